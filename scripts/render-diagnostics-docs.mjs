// Writes the code tables of docs/diagnostics.md from their one declaration,
// src/core/codes.ts (DIAGNOSTIC_CODES, ERROR_CODES), so that no code or meaning
// is ever kept by hand in two places (issue 12).
//
//   npm run docs:diagnostics                                  build, then rewrite the tables
//   node scripts/render-diagnostics-docs.mjs [--check] [FILE]  (after npm run build)
//
// In FILE (default docs/diagnostics.md) the text between the lines
//
//   <!-- generated:diagnostic-codes:start -->   …   <!-- generated:diagnostic-codes:end -->
//   <!-- generated:error-codes:start -->        …   <!-- generated:error-codes:end -->
//
// is replaced by the table of that record, in declaration order. Nothing else
// in the file changes; running it twice changes nothing the second time. The
// file is written atomically (temp file, then rename). With --check nothing is
// written: exit 1 naming the stale tables (test/docs.test.ts runs this).

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CODES_MODULE = path.join(repoRoot, 'build/src/core/codes.js');
const DEFAULT_FILE = 'docs/diagnostics.md';

/** A Markdown table cell: a `|` would end the cell. */
function cell(text) {
  return String(text).replaceAll('|', '\\|');
}

/** The diagnostic-code table: code, where, meaning. */
function renderDiagnosticTable(codes) {
  const rows = Object.entries(codes).map(([code, info]) => `| \`${code}\` | ${cell(info.area)} | ${cell(info.meaning)} |`);
  return ['| code | where | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** The error-code table: code, class thrown, CLI exit code, meaning. */
function renderErrorTable(codes) {
  const rows = Object.entries(codes).map(([code, info]) => `| \`${code}\` | \`${cell(info.thrownAs)}\` | ${info.exitCode} | ${cell(info.meaning)} |`);
  return ['| code | thrown as | CLI exit code | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** `text` with the lines between the `name` markers replaced by `body`; throws when the markers are missing. */
function replaceSection(text, name, body, file) {
  const start = `<!-- generated:${name}:start -->`;
  const end = `<!-- generated:${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file}: needs the lines ${start} and ${end}, start before end`);
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
}

async function main() {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { check: { type: 'boolean', default: false } } });
  const file = path.resolve(positionals[0] ?? path.join(repoRoot, DEFAULT_FILE));
  if (!existsSync(CODES_MODULE)) throw new Error(`${path.relative(process.cwd(), CODES_MODULE)} not found: run \`npm run build\` first`);
  const { DIAGNOSTIC_CODES, ERROR_CODES } = await import(pathToFileURL(CODES_MODULE).href);
  const before = readFileSync(file, 'utf8');
  const sections = [
    ['diagnostic-codes', renderDiagnosticTable(DIAGNOSTIC_CODES)],
    ['error-codes', renderErrorTable(ERROR_CODES)],
  ];
  let after = before;
  const stale = [];
  for (const [name, body] of sections) {
    const next = replaceSection(after, name, body, file);
    if (replaceSection(before, name, body, file) !== before) stale.push(name);
    after = next;
  }
  const shown = path.relative(process.cwd(), file) || file;
  if (values.check) {
    if (stale.length > 0) {
      process.stderr.write(
        `${shown}: the generated ${stale.join(' and ')} table(s) differ from src/core/codes.ts; run \`npm run docs:diagnostics\` (never edit them by hand)\n`,
      );
      process.exitCode = 1;
    }
    return;
  }
  if (after === before) return;
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, after);
  renameSync(temporary, file);
  process.stderr.write(`${shown}: ${stale.join(' and ')} table(s) written\n`);
}

main().catch((error) => {
  process.stderr.write(`render-diagnostics-docs: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
