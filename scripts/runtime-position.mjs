#!/usr/bin/env node
// Where a position in the bundled runtime comes from. The runtime
// (build/bundle/register/runtime.js) has no whitespace, so every stack frame
// and profile frame of it reads `runtime.js:5:<column>`; Node does not apply
// source maps to a vm script's frames. This reads the source map the build
// writes next to it (runtime.js.map, not in the package) and prints the
// build/src file, line and column of each position given.
//
//   node scripts/runtime-position.mjs 5:125506 [LINE:COLUMN ...]
//
// Lines and columns are 1-based, as stack traces print them.
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const mapFile = fileURLToPath(new URL('../build/bundle/register/runtime.js.map', import.meta.url));
const positions = process.argv.slice(2);
if (positions.length === 0 || positions.some((arg) => !/^\d+:\d+$/.test(arg))) {
  process.stderr.write('usage: node scripts/runtime-position.mjs LINE:COLUMN [LINE:COLUMN ...]   (from a frame like runtime.js:5:125506)\n');
  process.exit(2);
}
let payload;
try {
  payload = JSON.parse(readFileSync(mapFile, 'utf8'));
} catch (error) {
  process.stderr.write(`runtime-position: cannot read ${path.relative(process.cwd(), mapFile)} (${error.code ?? error.message}); run npm run build first\n`);
  process.exit(1);
}
const map = new SourceMap(payload);
const root = path.dirname(mapFile);
for (const position of positions) {
  const [line, column] = position.split(':').map(Number);
  const entry = map.findEntry(line - 1, column - 1);
  if (entry === undefined || entry.originalSource === undefined) {
    process.stdout.write(`${position}: no mapping\n`);
    continue;
  }
  const source = path.relative(process.cwd(), path.resolve(root, entry.originalSource));
  const name = entry.name === undefined ? '' : ` (${entry.name})`;
  process.stdout.write(`${position}: ${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}${name}\n`);
}
