// Writes the table of built-in presets in docs/target-files.md from their one
// declaration, src/presets/definitions.ts (PRESET_DEFINITIONS): name, class,
// target files, features, description are never kept by hand in two places.
//
//   npm run docs:presets                               build, then rewrite the table
//   node scripts/render-presets-docs.mjs [--check]     (after npm run build)
//
// The text between <!-- generated:presets:start --> and <!-- generated:presets:end -->
// is replaced; nothing else changes. With --check nothing is written: exit 1 if
// the table is stale (test/preset-definitions.test.ts runs this).

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFINITIONS_MODULE = path.join(repoRoot, 'build/src/presets/registry.js');
const FILE = path.join(repoRoot, 'docs/target-files.md');
const NAME = 'presets';

const cell = (text) => String(text).replaceAll('|', '\\|');
const PAGES = new Set(['ocr', 'onnx', 'sharp', 'tfjs']);

function renderTable(definitions) {
  const rows = definitions.map((definition) => {
    const name = PAGES.has(definition.name) ? `[\`${definition.name}\`](presets/${definition.name}.md)` : `\`${definition.name}\``;
    const className = definition.className === null ? '`Preset`' : `\`${definition.className}\``;
    const files = definition.targetFiles.map((file) => `[\`${file}\`](../presets/${file})`).join(', ') || '–';
    const features = definition.features.map((feature) => `\`${feature}\``).join(', ') || '–';
    return `| ${name} | ${className} | ${files} | ${features} | ${cell(definition.description)} |`;
  });
  return ['| preset | class | built-in target files | features | description |', '|---|---|---|---|---|', ...rows].join('\n');
}

async function main() {
  const check = process.argv.includes('--check');
  if (!existsSync(DEFINITIONS_MODULE)) throw new Error(`${path.relative(process.cwd(), DEFINITIONS_MODULE)} not found: run \`npm run build\` first`);
  const { presetDefinitions } = await import(pathToFileURL(DEFINITIONS_MODULE).href);
  const before = readFileSync(FILE, 'utf8');
  const start = `<!-- generated:${NAME}:start -->`;
  const end = `<!-- generated:${NAME}:end -->`;
  const from = before.indexOf(start);
  const to = before.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${FILE}: needs the lines ${start} and ${end}, start before end`);
  const after = `${before.slice(0, from + start.length)}\n${renderTable(presetDefinitions)}\n${before.slice(to)}`;
  const shown = path.relative(process.cwd(), FILE) || FILE;
  if (check) {
    if (after !== before) {
      process.stderr.write(`${shown}: the generated presets table differs from src/presets/registry.ts; run \`npm run docs:presets\` (never edit it by hand)\n`);
      process.exitCode = 1;
    }
    return;
  }
  if (after === before) return;
  const temporary = `${FILE}.${process.pid}.tmp`;
  writeFileSync(temporary, after);
  renameSync(temporary, FILE);
  process.stderr.write(`${shown}: presets table written\n`);
}

main().catch((error) => {
  process.stderr.write(`render-presets-docs: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
