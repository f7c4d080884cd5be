// Regenerates the benchmark tables of the docs from the benchmark's JSON, so
// that no cost figure is ever typed in by hand (issue 9, issue 12).
//
//   npm run docs:bench                                  the results below → docs/overhead.md, README.md
//   node scripts/render-bench-docs.mjs [--check] [--json FILE] [--json-node22 FILE] [--allow-quick] [FILE...]
//
// Two results, one per Node major (benchmarks/cost/result-file.ts names them):
//
//   benchmarks/results/cost.json         a full `npm run bench:cost` on Node 24 (the primary major): required
//   benchmarks/results/cost-node22.json  a full `npm run bench:cost -- --node <Node 22 binary>`: optional
//
// (with --json FILE, the Node 22 result is the cost-node22.json next to FILE,
// unless --json-node22 names one). In each file, the text between the lines
//
//   <!-- generated:bench-cost:start -->
//   <!-- generated:bench-cost:end -->
//
// is replaced by the table of cost.json (row, figure median (min–max), goal,
// verdict) and a line with the load average, node version, date and commit of
// the run. A file may also hold the lines
//
//   <!-- generated:bench-cost-node22:start -->
//   <!-- generated:bench-cost-node22:end -->
//
// (docs/overhead.md must): they get the same from cost-node22.json, or one line
// saying it has not been produced yet and how to produce it. A file with the
// first block only (README.md) gets, when cost-node22.json exists, one line in
// it that says where the Node 22 table is. Nothing else in the file changes.
// The output depends only on the JSON and on which blocks a file holds, so
// running it twice changes nothing the second time. Every file is checked
// before any is written; each is written atomically (temp file, then rename).
// With --check nothing is written: exit 1 naming each file whose generated
// blocks are not what the JSON gives (test/docs.test.ts runs this).
//
// Fails (exit 1, naming the file and what is wrong) when cost.json is missing,
// when either result is not a complete bench:cost result, comes from a --quick
// run (small N: not figures to publish) or of some experiments only (--only)
// (--allow-quick overrides both, for trying this script), when cost-node22.json
// was not measured on Node 22 or cost.json was, or when a file lacks the
// markers.

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The generated block of the primary result (cost.json) and that of Node 22's. */
export const PRIMARY_BLOCK = 'bench-cost';
export const NODE22_BLOCK = 'bench-cost-node22';
/** `<!-- generated:NAME:start -->` and `…:end -->`. */
export const markersOf = (name) => ({ start: `<!-- generated:${name}:start -->`, end: `<!-- generated:${name}:end -->` });
export const START_MARKER = markersOf(PRIMARY_BLOCK).start;
export const END_MARKER = markersOf(PRIMARY_BLOCK).end;
const COST_FORMAT = 'stagescope.bench-cost/1';
const DEFAULT_JSON = 'benchmarks/results/cost.json';
/** Node 22's result: the file a full bench:cost run on Node 22 writes by default (defaultResultFile in benchmarks/cost/result-file.ts). */
export const NODE22_MAJOR = 22;
export const NODE22_JSON = `benchmarks/results/cost-node${NODE22_MAJOR}.json`;
/** The files `npm run docs:bench` writes; NODE22_PAGE must hold the Node 22 block, under the heading NODE22_ANCHOR. */
export const DEFAULT_FILES = ['docs/overhead.md', 'README.md'];
export const NODE22_PAGE = 'docs/overhead.md';
const NODE22_ANCHOR = 'node-22';
const USAGE = 'usage: node scripts/render-bench-docs.mjs [--check] [--json FILE] [--json-node22 FILE] [--allow-quick] [FILE...]';

class RenderError extends Error {}

/** Relative to the working directory when inside it, else absolute: paths a reader can paste. */
function shownPath(file) {
  const relative = path.relative(process.cwd(), file);
  return relative === '' || relative.startsWith('..') ? file : relative;
}

/** Reads and checks the bench:cost result. */
export function readCostDocument(file, { allowQuick = false } = {}) {
  const shown = shownPath(file);
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') throw new RenderError(`${shown}: not found; run \`npm run bench:cost\` first (it writes ${DEFAULT_JSON}), or pass --json FILE`);
    throw new RenderError(`${shown}: cannot read (${error.message})`);
  }
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new RenderError(`${shown}: not valid JSON (${error.message})`);
  }
  if (doc === null || typeof doc !== 'object' || doc.format !== COST_FORMAT) {
    throw new RenderError(`${shown}: not a bench:cost result (format is ${JSON.stringify(doc?.format)}, expected "${COST_FORMAT}")`);
  }
  if (doc.complete !== true) throw new RenderError(`${shown}: the benchmark run did not finish (complete: false); run \`npm run bench:cost\` again`);
  if (doc.quick === true && !allowQuick) throw new RenderError(`${shown}: comes from a --quick run (small N, not figures to publish); run the full \`npm run bench:cost\`, or pass --allow-quick to try this script`);
  if (doc.partial === true && !allowQuick) throw new RenderError(`${shown}: comes from a run of some experiments only (--only); run the full \`npm run bench:cost\`, or pass --allow-quick to try this script`);
  if (!Array.isArray(doc.figures) || doc.figures.length === 0) throw new RenderError(`${shown}: has no figures`);
  doc.figures.forEach((figure, index) => {
    for (const key of ['row', 'title', 'verdict']) {
      if (figure?.[key] === undefined) throw new RenderError(`${shown}: figures[${index}] has no "${key}"`);
    }
    if (typeof figure.display?.figure !== 'string' || typeof figure.display?.goal !== 'string') throw new RenderError(`${shown}: figures[${index}] (${figure.id}) has no display.figure/display.goal text`);
  });
  return doc;
}

const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Relative to the repository when inside it, else absolute: the path a generated block names its JSON by. */
function repoPath(file) {
  const relative = path.relative(repoRoot, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative.split(path.sep).join('/');
}

/** The major of the Node a result was measured on (`v22.23.3` → 22), or null. */
const majorOf = (doc) => {
  const match = /^v(\d+)\./.exec(String(doc.environment?.node ?? ''));
  return match === null ? null : Number(match[1]);
};

/**
 * Reads and checks the results the docs are generated from: `json` (default
 * benchmarks/results/cost.json, required) and `node22Json` (default the
 * cost-node22.json next to `json`; optional unless named). Returns
 * `{ primary: { doc, jsonPath }, node22: { doc | null, jsonPath } }`, `jsonPath`
 * being what the generated blocks call the file.
 */
export function readResults({ json, node22Json, allowQuick = false } = {}) {
  const primaryFile = path.resolve(json ?? path.join(repoRoot, DEFAULT_JSON));
  const node22File = path.resolve(node22Json ?? path.join(path.dirname(primaryFile), path.basename(NODE22_JSON)));
  const primary = readCostDocument(primaryFile, { allowQuick });
  if (majorOf(primary) === NODE22_MAJOR) {
    throw new RenderError(
      `${shownPath(primaryFile)}: measured on node ${primary.environment.node}; Node ${NODE22_MAJOR}'s figures go in ${path.basename(NODE22_JSON)} (a full run on Node ${NODE22_MAJOR} without --out writes there)`,
    );
  }
  // A Node 22 result is optional (until someone produces one, its block says how), unless named.
  if (node22Json !== undefined && !existsSync(node22File)) {
    throw new RenderError(`${shownPath(node22File)}: not found; a full \`npm run bench:cost -- --node <Node ${NODE22_MAJOR} binary>\` writes ${NODE22_JSON}`);
  }
  const node22 = existsSync(node22File) ? readCostDocument(node22File, { allowQuick }) : null;
  if (node22 !== null && majorOf(node22) !== NODE22_MAJOR) {
    throw new RenderError(
      `${shownPath(node22File)}: measured on node ${node22.environment?.node ?? '?'}, not Node ${NODE22_MAJOR}; make it with \`npm run bench:cost -- --node <Node ${NODE22_MAJOR} binary>\``,
    );
  }
  return { primary: { doc: primary, jsonPath: repoPath(primaryFile) }, node22: { doc: node22, jsonPath: repoPath(node22File) } };
}

const NUMBER = /-?\d+(?:\.\d+)?/g;

/**
 * A figure's errors, one line per kind: messages that differ only in their
 * numbers (one per round that measured no positive added time, say) become
 * one, each number that varies shown as its range, with how many there were.
 * A figure with errors in 14 of 20 rounds made one README line of 1,900
 * characters.
 */
export function summarizeErrors(errors) {
  const groups = new Map();
  for (const message of errors) {
    const shape = message.replace(NUMBER, '#');
    const group = groups.get(shape) ?? { count: 0, parts: message.split(NUMBER), numbers: [] };
    group.count++;
    [...message.matchAll(NUMBER)].forEach((match, i) => (group.numbers[i] ??= []).push(Number(match[0])));
    groups.set(shape, group);
  }
  return [...groups.values()].map(({ count, parts, numbers }) => {
    const shown = numbers.map((values) => {
      const low = Math.min(...values);
      const high = Math.max(...values);
      return low === high ? String(low) : `${low} to ${high}`;
    });
    const text = parts.map((part, i) => part + (i < shown.length ? shown[i] : '')).join('');
    return count === 1 ? text : `${text} (${count} times)`;
  });
}

/**
 * The generated block (without the markers): a pure function of the JSON.
 * `node22Link`, when given, adds the line that says where the Node 22 table is
 * (`{ href, node, date }`).
 */
export function renderCostMarkdown(doc, jsonPath = DEFAULT_JSON, { node22Link = null } = {}) {
  const verdictText = { ok: 'ok', borderline: 'borderline', miss: '**miss**', info: '—', error: '**no figure**', unresolved: 'not resolved' };
  const lines = [
    `<!-- generated by \`npm run docs:bench\` from ${jsonPath}; do not edit by hand -->`,
    '',
    '| row | figure | median (min–max) | goal | verdict |',
    '|---:|:---|---:|:---|:---|',
    ...doc.figures.map((f) => `| ${cell(f.row)} | ${cell(f.title)} | ${cell(f.display.figure)} | ${cell(f.display.goal)} | ${verdictText[f.verdict] ?? cell(f.verdict)} |`),
  ];
  const notes = doc.figures.filter((f) => Array.isArray(f.errors) && f.errors.length > 0);
  if (notes.length > 0) {
    lines.push('');
    for (const f of notes) lines.push(`- ${cell(f.title)}: ${summarizeErrors(f.errors).map(cell).join('; ')}`);
  }
  const env = doc.environment ?? {};
  const load = doc.loadAverage ?? {};
  const loadText = typeof load.min === 'number' && typeof load.max === 'number' ? `${load.min.toFixed(2)}–${load.max.toFixed(2)}` : 'unknown';
  lines.push(
    '',
    `Measured by \`npm run bench:cost\` on ${runDate(doc)} with node ${env.node ?? '?'} (${env.platform ?? '?'} ${env.arch ?? '?'}, ${env.cpus ?? '?'} CPUs${env.cpuModel ? `, ${env.cpuModel.trim()}` : ''}), stagescope ${env.stagescopeCommit ?? '?'}${typeof doc.refiguredBy === 'string' ? ` (figures computed again from its runs by ${doc.refiguredBy})` : ''}; ` +
      `${doc.rounds} interleaved rounds, 1-minute load average ${loadText} during the run${doc.quick ? ' (quick run: small N)' : ''}. ` +
      'Each variant is its own process (the plain baseline loads neither stagescope nor AsyncLocalStorage); loops are timed inside the process, start-up and whole examples by the parent. ' +
      'Figures are medians over rounds with min–max; ok = median and range meet the goal, borderline = only the median does, not resolved = the machine\'s noise exceeds what the figure divides by (a round measured none of it, so the range is unbounded, or the median over rounds did, so there is no figure). A loaded machine widens the ranges.',
  );
  if (node22Link !== null) {
    lines.push('', `The same benchmark on Node ${NODE22_MAJOR} (node ${node22Link.node}, ${node22Link.date}): [its table](${node22Link.href}).`);
  }
  return lines.join('\n');
}

const runDate = (doc) => String(doc.startedAt ?? '').slice(0, 10);

/** The Node 22 block when there is no Node 22 result yet: one line, how to make one. */
export function renderNode22Missing(jsonPath = NODE22_JSON) {
  return (
    `No Node ${NODE22_MAJOR} figures yet: ${jsonPath} does not exist. ` +
    `A full \`npm run bench:cost -- --node <Node ${NODE22_MAJOR} binary>\` writes it; \`npm run docs:bench\` then puts its table here.`
  );
}

/**
 * `text` of `file` (an absolute path) with every generated benchmark block it
 * holds replaced from `results` (what readResults returns). The primary block
 * is required; the Node 22 block is required in NODE22_PAGE and optional
 * elsewhere. A file without a Node 22 block links to the one in `node22Page`
 * (when there is a Node 22 result). Throws naming the file when markers are
 * missing or out of order.
 */
export function renderFile(text, file, results, { node22Page = path.join(repoRoot, NODE22_PAGE) } = {}) {
  const shown = shownPath(file);
  const holdsNode22 = holdsBlock(text, NODE22_BLOCK);
  const node22 = results.node22.doc;
  const node22Link =
    node22 !== null && !holdsNode22
      ? { href: `${path.relative(path.dirname(file), node22Page).split(path.sep).join('/')}#${NODE22_ANCHOR}`, node: node22.environment.node, date: runDate(node22) }
      : null;
  let after = replaceBetweenMarkers(text, renderCostMarkdown(results.primary.doc, results.primary.jsonPath, { node22Link }), shown, PRIMARY_BLOCK);
  if (holdsNode22 || path.resolve(file) === path.join(repoRoot, NODE22_PAGE)) {
    const block = node22 === null ? renderNode22Missing(results.node22.jsonPath) : renderCostMarkdown(node22, results.node22.jsonPath);
    after = replaceBetweenMarkers(after, block, shown, NODE22_BLOCK);
  }
  return after;
}

/** Whether `text` has either marker of the `name` block. */
function holdsBlock(text, name) {
  const { start, end } = markersOf(name);
  return text.includes(start) || text.includes(end);
}

/** The text between the `name` markers of `text`, or null when it has none. */
export function blockText(text, name) {
  const { start, end } = markersOf(name);
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  return from < 0 || to < from ? null : text.slice(from + start.length, to);
}

/** `text` without its generated benchmark blocks (markers included): where no figure may be typed. */
export function withoutGeneratedBlocks(text) {
  let rest = text;
  for (const name of [PRIMARY_BLOCK, NODE22_BLOCK]) {
    const { start, end } = markersOf(name);
    const from = rest.indexOf(start);
    const to = rest.indexOf(end);
    if (from >= 0 && to > from) rest = rest.slice(0, from) + rest.slice(to + end.length);
  }
  return rest;
}

/**
 * `text` with the block between the `name` markers replaced; throws naming the
 * file and line when the markers are not there once each, in order.
 */
export function replaceBetweenMarkers(text, block, file, name = PRIMARY_BLOCK) {
  const { start: startMarker, end: endMarker } = markersOf(name);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const count = (marker) => text.split(marker).length - 1;
  const lineOf = (index) => text.slice(0, index).split('\n').length;
  const starts = count(startMarker);
  const ends = count(endMarker);
  if (starts === 0 || ends === 0) {
    const where = name === PRIMARY_BLOCK ? 'the benchmark table' : `the Node ${NODE22_MAJOR} benchmark table`;
    throw new RenderError(`${file}: no ${starts === 0 ? startMarker : endMarker} line; put the two lines\n  ${startMarker}\n  ${endMarker}\nwhere ${where} goes`);
  }
  if (starts > 1 || ends > 1) throw new RenderError(`${file}: the ${name} markers must appear once each (found ${starts} start, ${ends} end)`);
  const start = text.indexOf(startMarker);
  const end = text.indexOf(endMarker);
  if (end < start) throw new RenderError(`${file}:${lineOf(end)}: ${endMarker} comes before ${startMarker} (line ${lineOf(start)})`);
  return `${text.slice(0, start + startMarker.length)}${eol}${block.split('\n').join(eol)}${eol}${text.slice(end)}`;
}

/** The names of the generated blocks that differ between `before` and `after`. */
function changedBlocks(before, after) {
  return [PRIMARY_BLOCK, NODE22_BLOCK].filter((name) => blockText(before, name) !== blockText(after, name));
}

function writeAtomic(file, text) {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(temp, text);
  renameSync(temp, file);
}

function main(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'string' },
        'json-node22': { type: 'string' },
        'allow-quick': { type: 'boolean', default: false },
        check: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new RenderError(`${error.message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  const results = readResults({ json: values.json, node22Json: values['json-node22'], allowQuick: values['allow-quick'] });
  const files = (positionals.length > 0 ? positionals : DEFAULT_FILES.map((file) => path.join(repoRoot, file))).map((file) => path.resolve(file));
  // Check every file before writing any, so a bad file leaves all of them as they were.
  const pages = files.map((file) => {
    if (!existsSync(file)) throw new RenderError(`${shownPath(file)}: not found (the docs page must exist and hold the markers)`);
    return { file, shown: shownPath(file), before: readFileSync(file, 'utf8') };
  });
  // The README's line about Node 22 links to the page of this run that holds its table.
  const node22Page = pages.find((page) => holdsBlock(page.before, NODE22_BLOCK))?.file;
  const updates = pages.map((page) => ({ ...page, after: renderFile(page.before, page.file, results, { node22Page }) }));
  const sources =
    results.node22.doc === null
      ? `${results.primary.jsonPath} (and no ${results.node22.jsonPath})`
      : `${results.primary.jsonPath} and ${results.node22.jsonPath}`;
  for (const { file, shown, before, after } of updates) {
    if (after === before) {
      process.stdout.write(`${shown}: up to date\n`);
    } else if (values.check) {
      process.stderr.write(
        `${shown}: the generated ${changedBlocks(before, after).join(' and ')} block(s) are not what the generator makes of ${sources}; run \`npm run docs:bench\` (never edit them by hand)\n`,
      );
      process.exitCode = 1;
    } else {
      writeAtomic(file, after);
      process.stdout.write(`${shown}: benchmark ${changedBlocks(before, after).length === 1 ? 'table' : 'tables'} regenerated\n`);
    }
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`render-bench-docs: ${error instanceof RenderError ? error.message : error.stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
}
