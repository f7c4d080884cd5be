// Turns the built-in target lists (presets/*.yaml) into JSON data under
// build/presets/, so starting a preset reads JSON (JSON.parse, no YAML parser to
// load: the `yaml` package plus parsing measured ~77 ms of start-up). The YAML
// files stay the source (readable, commented, copied by users as a template);
// every entry keeps its YAML line numbers for error messages.
//
//   node scripts/build-preset-data.mjs      (part of `npm run build`)
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
// Compiled by tsc first (npm run build runs this after it).
import { resolveTargets } from '../build/src/instrument/target.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = path.join(root, 'presets');
const outDir = path.join(root, 'build', 'presets');
mkdirSync(outDir, { recursive: true });

let failed = false;
/** The current file's line counter (one file at a time). */
let lineCounter = new LineCounter();
const lineOf = (node) => (node?.range ? lineCounter.linePos(node.range[0]).line : 1);
for (const name of readdirSync(sourceDir).filter((file) => /\.ya?ml$/.test(file)).sort()) {
  const file = path.join(sourceDir, name);
  lineCounter = new LineCounter();
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    console.error(`presets/${name}:${lineOf({ range: doc.errors[0].pos })}: ${doc.errors[0].message.split('\n')[0]}`);
    failed = true;
    continue;
  }
  const top = doc.contents;
  const list = isMap(top) ? top.get('targets', true) : top;
  if (!isSeq(list)) {
    console.error(`presets/${name}: expected a "targets:" list`);
    failed = true;
    continue;
  }
  const data = { source: `presets/${name}`, ...(isMap(top) ? omit(omit(doc.toJS(), 'targets'), 'models') : {}), targets: entries(list) };
  const models = isMap(top) ? top.get('models', true) : undefined;
  if (isSeq(models)) data.models = entries(models);
  // The targets checked and resolved here, once, instead of in every traced
  // process at start-up (builtin-targets.ts). `source` keeps only ":<line>":
  // the runtime puts the installed YAML file's path in front.
  try {
    data.resolvedTargets = data.targets.flatMap((entry) =>
      resolveTargets(entry.spec, (field) => `:${(field === undefined ? undefined : entry.fieldLines[field]) ?? entry.line}`, { optional: true }),
    );
  } catch (error) {
    console.error(`presets/${name}${error.message.replace(/^:/, ':')}`);
    failed = true;
    continue;
  }
  const out = path.join(outDir, name.replace(/\.ya?ml$/, '.json'));
  writeFileSync(`${out}.tmp`, `${JSON.stringify(data)}\n`);
  renameSync(`${out}.tmp`, out);
}
if (failed) process.exit(1);

/** Each item of a YAML list with its line and its fields' lines (for error messages). */
function entries(seq) {
  return seq.items.map((item) => {
    const fieldLines = {};
    if (isMap(item)) for (const pair of item.items) fieldLines[String(pair.key?.value)] = lineOf(pair.key);
    return { line: lineOf(item), fieldLines, spec: item.toJSON() };
  });
}

function omit(object, key) {
  const copy = { ...object };
  delete copy[key];
  return copy;
}
