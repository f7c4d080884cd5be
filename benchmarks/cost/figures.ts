import { resultNumber, type ChildOutcome } from './child.js';
import type { Goal } from './goals.js';
import { keptSpans, type RunDocSummary } from './run-doc-summary.js';
import type { CostSettings } from './settings.js';

/** How a figure's number reads: `×` ratio, `%`, a duration unit, or bytes (`B`). */
export type Unit = '×' | '%' | 'ms' | 'µs' | 'ns' | 'B';

/** The outcome of `variant` of `experiment` in the current round, or undefined if it did not run this round. */
export type RoundLookup = (experiment: string, variant: string) => ChildOutcome | undefined;

/**
 * One line of the result table: a figure from issue 9's table (`row` is its
 * row there), computed once per round from that round's children so that
 * every sample compares processes that ran side by side.
 */
export interface FigureDef {
  id: string;
  row: number;
  title: string;
  unit: Unit;
  goal: Goal;
  /** What the figure means and how it is computed (goes into the JSON and the docs). */
  method: string;
  /**
   * This round's sample; undefined when a child it needs did not run this
   * round. Throws (with a message saying what is missing) when it cannot be
   * computed from what did run.
   */
  sample(get: RoundLookup): number | undefined;
  /** Context figures (medians over rounds go into the JSON): the baseline's own cost, counts. */
  context?(get: RoundLookup): Record<string, number> | undefined;
  /**
   * The figure is the ratio of two of its context numbers over rounds
   * (stats.ts `ratioOfMedians`: median over median, the range from the
   * denominator's spread), not the median of `sample`: for a ratio whose
   * denominator is noisy enough to be ≤ 0 in some rounds, which a per-round
   * ratio must leave out. The per-round ratios stay in the JSON's samples.
   */
  ratioOfMedians?: { numerator: string; denominator: string };
}

/** Thrown by a figure when a needed child outcome is absent from this round. */
class NotThisRound extends Error {}

function need(get: RoundLookup, experiment: string, variant: string): ChildOutcome {
  const outcome = get(experiment, variant);
  if (outcome === undefined) throw new NotThisRound(`${experiment}/${variant}`);
  return outcome;
}

function docOf(outcome: ChildOutcome, what: string): RunDocSummary {
  if (outcome.doc === null) throw new Error(`${what}: no run document`);
  return outcome.doc;
}

/**
 * What the run document reports stagescope added: OH, plus its estimate of
 * AsyncLocalStorage's cost to every async resource (Node < 24: not part of OH,
 * and in what row 8 measures against a baseline without AsyncLocalStorage).
 */
function reportedOverheadNs(doc: RunDocSummary, what: string): number {
  if (doc.overheadNs === null) throw new Error(`${what}: the run document has no overheadNs`);
  return doc.overheadNs + doc.asyncContextNs;
}

/** A reference row: `variant`'s result `field` minus plain's in the same round, ms, with plain's own as context (`plainKey`). */
function addedOverPlain(
  row: number,
  id: string,
  title: string,
  experiment: string,
  variant: string,
  field: string,
  plainKey: string,
  method: string,
): FigureDef {
  const ms = (outcome: ChildOutcome): number => resultNumber(outcome, field) / 1e6;
  return {
    id,
    row,
    title,
    unit: 'ms',
    goal: { kind: 'none', text: '(reference)' },
    method,
    sample: perRound((get) => ms(need(get, experiment, variant)) - ms(need(get, experiment, 'plain'))),
    context: perRound((get) => ({ [plainKey]: ms(need(get, experiment, 'plain')) })),
  };
}

/** A reference row of the module-load experiment: `variant`'s load time minus plain's, ms. */
function moduleLoadAdded(id: string, title: string, variant: 'hooks' | 'import', method: string): FigureDef {
  return addedOverPlain(2, id, title, 'module-load', variant, 'loadNs', 'plainMs', method);
}

/** Wrap a sample function so a child that did not run this round yields undefined instead of an error. */
function perRound<T>(compute: (get: RoundLookup) => T): (get: RoundLookup) => T | undefined {
  return (get) => {
    try {
      return compute(get);
    } catch (error) {
      if (error instanceof NotThisRound) return undefined;
      throw error;
    }
  };
}

/**
 * Row 8's start-up check: the root line's `startup` of a traced
 * first-statement.mjs against when that script's first statement ran
 * (`process.uptime()`) minus when it runs plain, same round: the start-up the
 * script waited for. Not the `-e 0` wall difference of row 1, which also holds
 * the run's end (building the run document, Node's exit).
 */
function startupShown(id: string, title: string, variant: string, command: string): FigureDef {
  const measuredNs = (get: RoundLookup): number =>
    (resultNumber(need(get, 'startup', variant), 'firstStatementMs') - resultNumber(need(get, 'startup', 'firstPlain'), 'firstStatementMs')) * 1e6;
  return {
    id,
    row: 8,
    title,
    unit: '×',
    goal: { kind: 'range', min: 0.75, max: 1.25, text: 'shown, 0.75–1.25×' },
    method: `the run document's start-up figure of \`${command}\` / when that script's first statement ran (process.uptime) minus when it runs plain, same round`,
    sample: perRound((get) => {
      const doc = docOf(need(get, 'startup', variant), `startup/${variant}`);
      if (doc.startup === null) throw new Error(STARTUP_NOT_REPORTED);
      return ohRatio(doc.startup.ns, measuredNs(get), 'start-up');
    }),
    context: perRound((get) => ({ measuredMs: measuredNs(get) / 1e6 })),
  };
}

/**
 * The AsyncLocalStorage row compares a process with none against one with a
 * store entered: each child says which it had (tiny-loop.mjs, tiny-als.mjs, tiny-hand.mjs),
 * and a round where either is not what the row needs gives no sample.
 */
function expectAsyncContext(outcome: ChildOutcome, expected: 'none' | 'entered', what: string): void {
  const reported = outcome.result?.asyncContext;
  if (reported !== expected) throw new Error(`${what}: the child reports AsyncLocalStorage ${JSON.stringify(reported ?? null)}, the row needs "${expected}"`);
}

/**
 * A row 6 reference's ns per awaited call over the same round's plain loop:
 * `variant` is a tiny child with a store entered (tiny-als.mjs,
 * tiny-hand.mjs), plain one with no AsyncLocalStorage at all.
 */
function enteredStoreAddedNs(get: RoundLookup, variant: string): number {
  const plain = need(get, 'tiny', 'plain');
  const other = need(get, 'tiny', variant);
  expectAsyncContext(plain, 'none', 'tiny/plain');
  expectAsyncContext(other, 'entered', `tiny/${variant}`);
  return resultNumber(other, 'perCallNs') - resultNumber(plain, 'perCallNs');
}

/** reported / measured, or an error when the measured difference is not positive (noise larger than the cost). */
function ohRatio(reportedNs: number, measuredNs: number, what: string): number {
  if (measuredNs <= 0) throw new Error(`${what}: measured added time ${(measuredNs / 1e6).toFixed(1)} ms is not positive (noise exceeds the cost this round)`);
  return reportedNs / measuredNs;
}

const STARTUP_NOT_REPORTED =
  'the run document reports no start-up figure (looked for a field named like "startup…Ns/Ms" or "startup: { durationNs }" outside the span list, and in the root span\'s attributes and metrics)';

const OH_GOAL: Goal = { kind: 'range', min: 0.75, max: 1.25, text: '0.75–1.25×' };

/**
 * Rows 3 and 4: what the wrapper adds to a warm call of a single-threaded
 * library, as CPU time per call over the timed loop, traced (--import
 * stagescope/register/ocr, default settings) minus plain. CPU time, not wall:
 * on a shared machine the wall time of a 1 ms call in two different processes
 * differs by tens of µs from scheduling alone; the wall-time difference of the
 * per-call medians is kept as context (`wallAddedUs`).
 *
 * Which CPU time: on Node ≥ 22 the main thread's own (`process.threadCpuUsage`),
 * where the wrapper and hooks run, while onnxruntime and libvips do the model's
 * and the image's work on threads of their own; whole-process CPU time adds
 * those threads' time, whose run-to-run spread (cache, frequency) is ten times
 * the wrapper's cost. Node 20 has only the process's (`cpu` in the context says
 * which was used).
 */
interface LoopCpuNs {
  traced: number;
  plain: number;
  /** True: the main thread's CPU time (Node ≥ 22); false: the process's. */
  thread: boolean;
}

/** CPU time per call of `library`'s timed loop in two variants of model-loop.mjs, ns (see `modelAdded` for which CPU time). */
function loopCpuNs(traced: ChildOutcome, plain: ChildOutcome, library: 'onnx' | 'sharp' | 'onnxTiny'): LoopCpuNs {
  const threadCpu = (outcome: ChildOutcome): number | undefined => {
    const value = (outcome.result?.[library] as Record<string, unknown> | undefined)?.threadCpuPerCallNs;
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  };
  const tracedThread = threadCpu(traced);
  const plainThread = threadCpu(plain);
  if (tracedThread !== undefined && plainThread !== undefined) return { traced: tracedThread, plain: plainThread, thread: true };
  return { traced: resultNumber(traced, `${library}.cpuPerCallNs`), plain: resultNumber(plain, `${library}.cpuPerCallNs`), thread: false };
}

/**
 * The run document's per-call overhead on the model loop: what OH counts for
 * the calls themselves (wrappers, their warm-up, hooks, probes, pass-throughs,
 * the recorder's growth), without loading and patching the libraries
 * (`modulesNs`), over every recorded call; the session's one `create` is among
 * them.
 */
function reportedPerCallNs(doc: RunDocSummary, what: string): number {
  const calls = doc.wrappedCalls;
  if (calls === null || calls <= 0) throw new Error(`${what}: the run document has no wrapped calls`);
  return (callOverheadNs(doc, what) + doc.asyncContextNs) / calls;
}

/**
 * The run document's OH of its wrapped calls, ns: wrapper, warm-up, hooks,
 * probes, pass-through calls, recorder (absent in documents of earlier
 * versions); not loading the libraries, not the async context estimate.
 */
function callOverheadNs(doc: RunDocSummary, what: string): number {
  const parts = doc.overheadPartsNs;
  const partNs = (key: string): number => {
    const value = parts[key];
    if (value === undefined) throw new Error(`${what}: the run document has no overhead.${key}`);
    return value;
  };
  return partNs('wrapperNs') + partNs('warmUpNs') + partNs('hooksNs') + partNs('probesNs') + partNs('passThroughNs') + (parts.recorderNs ?? 0);
}

/**
 * The OH per call of the paired child's blocks: its run document's OH less
 * that of the same child stopped after its warm-up (`tracedWarm`), over the
 * wrapped calls between. The pairs measure warm calls; the warm-up's calls (a
 * target's first calls, cold code and first labels: 3–5 ms of OH in all) are
 * OH that the pairs cannot see, and the async context's cost is paid by the
 * unwrapped calls too (row 6 shows it), so both are left out.
 */
function blocksOverheadPerCallNs(full: RunDocSummary, warmOnly: RunDocSummary, experiment = 'model-paired'): number {
  const calls = (full.wrappedCalls ?? 0) - (warmOnly.wrappedCalls ?? 0);
  if (calls <= 0) throw new Error(`paired calls: the whole run has ${full.wrappedCalls} wrapped calls, its warm-up ${warmOnly.wrappedCalls}`);
  return (callOverheadNs(full, `${experiment}/traced`) - callOverheadNs(warmOnly, `${experiment}/tracedWarm`)) / calls;
}

/** Rows 3 and 4's goal for a warm call. */
const CALL_GOAL: Goal = { kind: 'max', value: 5, text: '≤ 5 µs' };

/**
 * Why rows 3 and 4 judge their goal on the paired figure: between two processes
 * a call's added CPU time spreads by tens of µs (a median of −6.8 µs, range
 * −180 to +81, read "borderline" at 2f58ee0 while the paired calls added
 * 17–42 µs), and pairing in one process leaves out only what every await pays,
 * which row 6 shows (~0.1 µs an await on Node 22, ~0 on 24).
 */
const PAIRED_CARRIES_GOAL =
  '; a reference: the goal is judged on the same calls paired in one process, which resolves what this figure spreads over tens of µs';

function modelAdded(
  id: string,
  row: number,
  title: string,
  experiment: 'model' | 'onnx-tiny',
  library: 'onnx' | 'sharp' | 'onnxTiny',
  what: string,
  variant: 'traced' | 'hand' = 'traced',
  /** Where the goal is judged: here, or on the paired figure of the same calls (`pairedAdded`). */
  goalOn: 'here' | 'paired' = 'here',
): FigureDef {
  const cpuNs = (traced: ChildOutcome, plain: ChildOutcome): LoopCpuNs => loopCpuNs(traced, plain, library);
  const wallNs = (outcome: ChildOutcome): number => resultNumber(outcome, `${library}.medianNs`);
  return {
    id,
    row,
    title,
    unit: 'µs',
    goal: variant === 'traced' && goalOn === 'here' ? CALL_GOAL : { kind: 'none', text: '(reference)' },
    method:
      variant === 'traced'
        ? `${what}: CPU time per call over the timed loop, traced minus plain (the main thread's on Node ≥ 22, else the process's); the library single-threaded in both variants${goalOn === 'paired' ? PAIRED_CARRIES_GOAL : ''}`
        : `${what}, under the hand-written AsyncLocalStorage wrapper of benchmarks/children/hand-wrapper.mjs (context switch and a .then, nothing recorded) instead of stagescope, minus plain: the floor for a tracer that keeps a context across the call`,
    sample: perRound((get) => {
      const cpu = cpuNs(need(get, experiment, variant), need(get, experiment, 'plain'));
      return (cpu.traced - cpu.plain) / 1e3;
    }),
    context: perRound((get) => {
      const traced = need(get, experiment, variant);
      const plain = need(get, experiment, 'plain');
      const cpu = cpuNs(traced, plain);
      return {
        plainCallUs: wallNs(plain) / 1e3,
        plainCpuPerCallUs: cpu.plain / 1e3,
        wallAddedUs: (wallNs(traced) - wallNs(plain)) / 1e3,
        mainThreadCpu: cpu.thread ? 1 : 0,
      };
    }),
  };
}

/** What each paired call of children/model-paired.mjs is (children/model-inputs.mjs). */
const PAIRED_CALLS = {
  onnx: 'InferenceSession.run on the cls model',
  sharp: 'the sharp pipeline of row 4',
  sharpCrops: 'sharp(64×64 PNG).extract(a new region each call).resize(twice its width, 32).raw().toBuffer(), as an OCR pipeline crops each text line',
} as const;

/** What wraps the calls of rows 3 and 4's in-process variants (model-paired.mjs, model-alloc.mjs), for the rows' methods. */
const WRAPPED_BY = {
  traced: 'stagescope (--import stagescope/register/ocr, default settings)',
  // What the library hooks (span names, tensor shapes, sharp operations) cost is the difference.
  hookless: 'stagescope wrapping the same two methods without their library hooks (--import stagescope/register, STAGESCOPE_TARGETS=hookless.targets.json)',
  hand: 'the hand-written AsyncLocalStorage wrapper of hand-wrapper.mjs',
} as const;

/**
 * Rows 3 and 4 paired in one process (children/model-paired.mjs): blocks of
 * calls through the wrapper and through the function it wraps, in turn; the
 * child's median over pairs of blocks of (wrapped − unwrapped) median call
 * time, µs. A reference beside the cross-process row: it leaves out what the
 * process pays whichever method runs (AsyncLocalStorage per await, row 6; the
 * module hooks) and keeps what the wrapper brings to each call.
 */
function pairedAdded(
  id: string,
  row: number,
  title: string,
  library: 'onnx' | 'sharp' | 'sharpCrops',
  variant: 'traced' | 'hookless' | 'hand',
  goal: Goal = { kind: 'none', text: '(reference)' },
): FigureDef {
  const who = WRAPPED_BY[variant];
  return {
    id,
    row,
    title,
    unit: 'µs',
    goal,
    method: `${PAIRED_CALLS[library]} under ${who}, in one process: pairs of blocks, one through the wrapper and one through the function it wraps (ABBA order), each call timed; the median over pairs of (wrapped − unwrapped) median call wall time${goal.kind === 'none' ? '' : "; the row's goal is judged here: what every await of the process pays is left out (row 6, AsyncLocalStorage alone)"}`,
    sample: perRound((get) => resultNumber(need(get, 'model-paired', variant), `${library}.addedNs`) / 1e3),
    context: perRound((get) => {
      const outcome = need(get, 'model-paired', variant);
      return {
        blocks: resultNumber(outcome, `${library}.blocks`),
        callsPerBlock: resultNumber(outcome, `${library}.callsPerBlock`),
        minPairUs: resultNumber(outcome, `${library}.minAddedNs`) / 1e3,
        maxPairUs: resultNumber(outcome, `${library}.maxAddedNs`) / 1e3,
      };
    }),
  };
}

/**
 * A row 8 figure per call: what the run document reports per wrapped call over
 * what was measured per call, the ratio of the medians over rounds (stats.ts
 * `ratioOfMedians`); `measure` gives one round's two figures, ns, and any
 * other context numbers.
 */
function perCallOhFigure(
  id: string,
  title: string,
  method: string,
  what: string,
  measure: (get: RoundLookup) => { reportedNs: number; measuredNs: number; extra?: Record<string, number> },
  goal: Goal = OH_GOAL,
): FigureDef {
  return {
    id,
    row: 8,
    title,
    unit: '×',
    goal,
    method,
    sample: perRound((get) => {
      const { reportedNs, measuredNs } = measure(get);
      return ohRatio(reportedNs, measuredNs, what);
    }),
    ratioOfMedians: { numerator: 'reportedPerCallUs', denominator: 'measuredPerCallUs' },
    context: perRound((get) => {
      const { reportedNs, measuredNs, extra } = measure(get);
      return { reportedPerCallUs: reportedNs / 1e3, measuredPerCallUs: measuredNs / 1e3, ...extra };
    }),
  };
}

/** The mean over the paired child's three calls (cls run, sharp resize, sharp crop) of what wrapping added per call, ns. */
function pairedMeanNs(outcome: ChildOutcome): number {
  const libraries = ['onnx', 'sharp', 'sharpCrops'] as const;
  return libraries.reduce((sum, library) => sum + resultNumber(outcome, `${library}.addedNs`), 0) / libraries.length;
}

/**
 * Rows 3 and 4 in bytes (children/model-alloc.mjs): the JS heap a warm call
 * allocates under `variant` minus plain, same round. A reference beside the
 * time rows, which differ by µs between processes where this differs by a
 * few bytes: it shows what a change to the call path takes off (or adds)
 * before any timing can.
 */
function allocAdded(id: string, row: number, title: string, library: 'onnx' | 'sharp' | 'sharpCrops', variant: 'traced' | 'hand'): FigureDef {
  const who = WRAPPED_BY[variant];
  const bytes = (outcome: ChildOutcome): number => resultNumber(outcome, `${library}.bytesPerCall`);
  return {
    id,
    row,
    title,
    unit: 'B',
    goal: { kind: 'none', text: '(reference)' },
    method: `${PAIRED_CALLS[library]} under ${who}: JS heap bytes allocated per call (used bytes of every heap space before and after a chunk of calls, over chunks in which no collection ran; the median chunk) minus plain's`,
    sample: perRound((get) => bytes(need(get, 'model-alloc', variant)) - bytes(need(get, 'model-alloc', 'plain'))),
    context: perRound((get) => ({
      plainBytesPerCall: bytes(need(get, 'model-alloc', 'plain')),
      cleanChunks: resultNumber(need(get, 'model-alloc', variant), `${library}.cleanChunks`),
    })),
  };
}

/**
 * A reference row of the OCR loop: `variant`'s loop time (the reads only, the
 * sessions already made) minus plain's, ms. Side by side, stagescope's and the
 * OpenTelemetry SDK's show how much of the added time any in-process tracer of
 * that size brings (loading ~1 MB of code makes V8 run more Mark-Compacts
 * here, whichever tracer it is: docs/overhead.md).
 */
function ocrLoopAdded(id: string, title: string, variant: 'traced' | 'otel', detail = ''): FigureDef {
  return addedOverPlain(
    8,
    id,
    title,
    'ocr-loop',
    variant,
    'loopNs',
    'plainLoopMs',
    `ocr-loop.mjs loopNs of the ${variant} variant minus plain's, whole loop${detail}`,
  );
}

/** Measured added time of a traced script (wall and CPU), the denominator of the reported-vs-measured rows. */
function addedScriptMs(traced: ChildOutcome, plain: ChildOutcome): { measuredMs: number; measuredCpuMs: number } {
  return {
    measuredMs: (resultNumber(traced, 'scriptNs') - resultNumber(plain, 'scriptNs')) / 1e6,
    measuredCpuMs: (resultNumber(traced, 'scriptCpuNs') - resultNumber(plain, 'scriptCpuNs')) / 1e6,
  };
}

/** A row 1 reference: the start-up of `variant` of the start-up experiment over the same round's `node -e 0`, its own ms as context (`<variant>Ms`). */
function startupReference(id: string, title: string, variant: string, method: string): FigureDef {
  return {
    id,
    row: 1,
    title,
    unit: '×',
    goal: { kind: 'none', text: '(reference)' },
    method,
    sample: perRound((get) => need(get, 'startup', variant).wallNs / need(get, 'startup', 'bare').wallNs),
    context: perRound((get) => ({ [`${variant}Ms`]: need(get, 'startup', variant).wallNs / 1e6 })),
  };
}

export function buildFigures(settings: CostSettings): FigureDef[] {
  const modelCalls = settings.modelCalls + settings.modelWarmCalls;
  return [
    {
      id: 'startup-import-ratio',
      row: 1,
      title: 'startup --import ocr / bare node',
      unit: '×',
      goal: { kind: 'max', value: 1.3, text: '≤ 1.3×' },
      method: 'wall time of `node --import stagescope/register/ocr -e 0` divided by `node -e 0`, whole processes timed by the parent',
      sample: perRound((get) => need(get, 'startup', 'import').wallNs / need(get, 'startup', 'bare').wallNs),
      context: perRound((get) => ({ bareMs: need(get, 'startup', 'bare').wallNs / 1e6, importMs: need(get, 'startup', 'import').wallNs / 1e6 })),
    },
    startupReference(
      'startup-import-empty-ratio',
      'startup --import of an empty module / bare node',
      'importEmpty',
      "wall time of `node --import bench-empty-register/register -e 0` (an empty ES module reached through its package's exports, as `stagescope/register/ocr` is) divided by `node -e 0`: what Node itself spends on such a flag, which any tool started with `--import` pays",
    ),
    startupReference(
      'startup-otel-ratio',
      'startup --import of the OpenTelemetry SDK / bare node',
      'otel',
      '`node --import otel-sdk-start.mjs -e 0` divided by `node -e 0`: the OpenTelemetry SDK started the way its Node.js docs start it (NodeSDK with an OTLP/HTTP trace exporter), without the auto-instrumentations package (not a dependency here; it loads more): a lower bound for that setup',
    ),
    {
      id: 'startup-otel-vs-stagescope',
      row: 1,
      title: 'startup: OTel SDK added / stagescope added',
      unit: '×',
      goal: { kind: 'none', text: '(reference)' },
      method:
        "what the OpenTelemetry SDK adds to `node -e 0` (row above) over what `--import stagescope/register/ocr` adds, each less the same round's bare start: the median of the one over the median of the other",
      sample: perRound((get) => {
        const bareNs = need(get, 'startup', 'bare').wallNs;
        return (need(get, 'startup', 'otel').wallNs - bareNs) / (need(get, 'startup', 'import').wallNs - bareNs);
      }),
      context: perRound((get) => {
        const bareNs = need(get, 'startup', 'bare').wallNs;
        return { otelAddedMs: (need(get, 'startup', 'otel').wallNs - bareNs) / 1e6, stagescopeAddedMs: (need(get, 'startup', 'import').wallNs - bareNs) / 1e6 };
      }),
      // Median over median: a round where stagescope's start-up measured ≤ 0 added (a noisy bare start) would make its own ratio meaningless.
      ratioOfMedians: { numerator: 'otelAddedMs', denominator: 'stagescopeAddedMs' },
    },
    {
      id: 'startup-cli-added',
      row: 1,
      title: 'startup CLI on an empty script, added',
      unit: 'ms',
      goal: { kind: 'max', value: 150, text: '≤ +150 ms' },
      method: '`stagescope run --preset ocr -- empty.mjs` minus `node empty.mjs`, whole processes',
      sample: perRound((get) => (need(get, 'startup', 'cli').wallNs - need(get, 'startup', 'empty').wallNs) / 1e6),
      context: perRound((get) => ({ emptyMs: need(get, 'startup', 'empty').wallNs / 1e6 })),
    },
    {
      id: 'example-import-pct',
      row: 2,
      title: 'PaddleOCR example, --import, added wall',
      unit: '%',
      goal: { kind: 'max', value: 5, text: '≤ +5%' },
      method: 'examples/ocr/paddle-onnx.mjs under `node --import stagescope/register/ocr` vs plain `node`, whole processes, (traced / plain − 1) × 100',
      sample: perRound((get) => (need(get, 'example', 'import').wallNs / need(get, 'example', 'plain').wallNs - 1) * 100),
      context: perRound((get) => ({ plainMs: need(get, 'example', 'plain').wallNs / 1e6 })),
    },
    {
      id: 'example-cli-pct',
      row: 2,
      title: 'PaddleOCR example, CLI, added wall',
      unit: '%',
      goal: { kind: 'max', value: 10, text: '≤ +10%' },
      method: '`stagescope run --preset ocr -- examples/ocr/paddle-onnx.mjs` vs plain `node`, whole processes',
      sample: perRound((get) => (need(get, 'example', 'cli').wallNs / need(get, 'example', 'plain').wallNs - 1) * 100),
    },
    moduleLoadAdded(
      'module-load-hooks-added',
      "loading the example's libraries: Node's module hooks alone, added",
      'hooks',
      "time to require examples/ocr/lib/paddle-pipeline.cjs (onnxruntime-node, sharp, ~190 resolutions), timed inside the process, with pass-through `module.registerHooks` resolve and load hooks and no stagescope (benchmarks/children/passthrough-hooks.mjs), minus plain: Node's own cost once in-thread hooks exist, which stagescope installs on Node ≥ 22.15",
    ),
    moduleLoadAdded(
      'module-load-import-added',
      "loading the example's libraries under --import, added",
      'import',
      'the same load under `node --import stagescope/register/ocr` minus plain: the module hooks, patching onnxruntime-node and sharp, and loading their hook code (start-up is not in it)',
    ),
    modelAdded(
      'onnx-run-added',
      3,
      'InferenceSession.run (cls), added CPU per call, two processes',
      'model',
      'onnx',
      `InferenceSession.run on the cls model, ${settings.modelCalls} timed calls after ${settings.modelWarmCalls} warm-up`,
      'traced',
      'paired',
    ),
    modelAdded(
      'sharp-added',
      4,
      'sharp resize().raw().toBuffer() 64×64, added CPU per call, two processes',
      'model',
      'sharp',
      '`sharp(file).resize(32, 32).raw().toBuffer()`, same processes as row 3',
      'traced',
      'paired',
    ),
    modelAdded(
      'onnx-run-hand-added',
      3,
      'InferenceSession.run (cls), hand-written AsyncLocalStorage wrapper, added',
      'model',
      'onnx',
      'InferenceSession.run on the cls model, as in row 3',
      'hand',
    ),
    modelAdded(
      'sharp-hand-added',
      4,
      'sharp resize 64×64, hand-written AsyncLocalStorage wrapper, added',
      'model',
      'sharp',
      'the sharp pipeline of row 4',
      'hand',
    ),
    pairedAdded('onnx-run-paired', 3, 'InferenceSession.run (cls), added per call, paired in one process', 'onnx', 'traced', CALL_GOAL),
    pairedAdded('onnx-run-hookless-paired', 3, 'InferenceSession.run (cls), stagescope without its hook, paired in one process', 'onnx', 'hookless'),
    pairedAdded('onnx-run-hand-paired', 3, 'InferenceSession.run (cls), hand-written wrapper, paired in one process', 'onnx', 'hand'),
    pairedAdded('sharp-paired', 4, 'sharp resize().raw().toBuffer() 64×64, added per call, paired in one process', 'sharp', 'traced', CALL_GOAL),
    pairedAdded('sharp-hookless-paired', 4, 'sharp resize 64×64, stagescope without its hook, paired in one process', 'sharp', 'hookless'),
    pairedAdded('sharp-hand-paired', 4, 'sharp resize 64×64, hand-written wrapper, paired in one process', 'sharp', 'hand'),
    pairedAdded('sharp-crops-paired', 4, 'sharp crop at a new place each call + resize, added per call, paired in one process', 'sharpCrops', 'traced'),
    pairedAdded('sharp-crops-hookless-paired', 4, 'sharp crop at a new place each call, stagescope without its hook, paired', 'sharpCrops', 'hookless'),
    pairedAdded('sharp-crops-hand-paired', 4, 'sharp crop at a new place each call, hand-written wrapper, paired', 'sharpCrops', 'hand'),
    allocAdded('onnx-run-alloc', 3, 'InferenceSession.run (cls), bytes allocated per call, added', 'onnx', 'traced'),
    allocAdded('onnx-run-hand-alloc', 3, 'InferenceSession.run (cls), hand-written wrapper, bytes added', 'onnx', 'hand'),
    allocAdded('sharp-alloc', 4, 'sharp resize 64×64, bytes allocated per call, added', 'sharp', 'traced'),
    allocAdded('sharp-hand-alloc', 4, 'sharp resize 64×64, hand-written wrapper, bytes added', 'sharp', 'hand'),
    allocAdded('sharp-crops-alloc', 4, 'sharp crop at a new place each call, bytes allocated per call, added', 'sharpCrops', 'traced'),
    modelAdded(
      'onnx-tiny-added',
      3,
      'InferenceSession.run (one-node model), added per call, warm',
      'onnx-tiny',
      'onnxTiny',
      `InferenceSession.run on a one-node model built in code (y = x + x, a few µs a call, where a µs is measurable), ${settings.onnxTinyCalls} timed calls`,
    ),
    {
      id: 'onnx-run-kept',
      row: 5,
      title: `default budget: InferenceSession.run spans kept of ${modelCalls}`,
      unit: '%',
      goal: { kind: 'min', value: 100, text: 'all (calls ≥ 100 µs)' },
      method: 'spans of the InferenceSession run target in the run document / calls made (all calls take ≥ 100 µs: see context.under100usCalls)',
      sample: perRound((get) => {
        const traced = need(get, 'model', 'traced');
        return (keptSpans(docOf(traced, 'model/traced'), /InferenceSession.*run$/) / resultNumber(traced, 'onnx.calls')) * 100;
      }),
      context: perRound((get) => {
        const traced = need(get, 'model', 'traced');
        return {
          kept: keptSpans(docOf(traced, 'model/traced'), /InferenceSession.*run$/),
          calls: resultNumber(traced, 'onnx.calls'),
          under100usCalls: resultNumber(traced, 'onnx.under100usCalls'),
        };
      }),
    },
    {
      id: 'sharp-kept',
      row: 5,
      title: `default budget: sharp spans kept of ${modelCalls}`,
      unit: '%',
      goal: { kind: 'min', value: 100, text: 'all (calls ≥ 100 µs)' },
      method: 'spans of sharp targets in the run document / sharp pipelines run',
      sample: perRound((get) => {
        const traced = need(get, 'model', 'traced');
        return (keptSpans(docOf(traced, 'model/traced'), /^sharp#/) / resultNumber(traced, 'sharp.calls')) * 100;
      }),
      context: perRound((get) => {
        const traced = need(get, 'model', 'traced');
        return {
          kept: keptSpans(docOf(traced, 'model/traced'), /^sharp#/),
          calls: resultNumber(traced, 'sharp.calls'),
          under100usCalls: resultNumber(traced, 'sharp.under100usCalls'),
        };
      }),
    },
    {
      id: 'tiny-stagescope-added',
      row: 6,
      title: 'tiny async fn, budget off: stagescope added/call',
      unit: 'ns',
      goal: { kind: 'max', value: 500, text: '≤ 500 ns' },
      method: `${settings.tinyCalls} awaited calls timed inside the child; stagescope (custom preset, target file, STAGESCOPE_MAX_OVERHEAD_PCT=off) minus a plain process with no AsyncLocalStorage`,
      sample: perRound((get) => resultNumber(need(get, 'tiny', 'stagescope'), 'perCallNs') - resultNumber(need(get, 'tiny', 'plain'), 'perCallNs')),
      context: perRound((get) => ({ plainCallNs: resultNumber(need(get, 'tiny', 'plain'), 'perCallNs') })),
    },
    {
      id: 'tiny-otel-added',
      row: 6,
      title: 'tiny async fn: OpenTelemetry SDK added/call',
      unit: 'ns',
      goal: { kind: 'none', text: '(reference)' },
      method:
        'NodeTracerProvider + BatchSpanProcessor (dropping exporter) + AsyncLocalStorageContextManager, tracer.startActiveSpan per call inside an active root span, minus plain',
      sample: perRound((get) => resultNumber(need(get, 'tiny', 'otel'), 'perCallNs') - resultNumber(need(get, 'tiny', 'plain'), 'perCallNs')),
    },
    {
      id: 'tiny-otel-ratio',
      row: 6,
      title: 'tiny async fn: OTel added / stagescope added',
      unit: '×',
      goal: { kind: 'min', value: 5, text: '≥ 5×' },
      method: 'the two figures above, same round',
      sample: perRound((get) => {
        const plain = resultNumber(need(get, 'tiny', 'plain'), 'perCallNs');
        const ours = resultNumber(need(get, 'tiny', 'stagescope'), 'perCallNs') - plain;
        const otel = resultNumber(need(get, 'tiny', 'otel'), 'perCallNs') - plain;
        if (ours <= 0) throw new Error(`stagescope added ${ours.toFixed(0)} ns/call this round: not positive, the ratio is meaningless`);
        return otel / ours;
      }),
    },
    {
      id: 'tiny-als-added',
      row: 6,
      title: 'tiny async fn: AsyncLocalStorage alone (a store entered), added/call',
      unit: 'ns',
      goal: { kind: 'none', text: '(reference)' },
      method: `${settings.tinyCalls} awaited calls timed inside the child, in a plain process where an AsyncLocalStorage exists and a store was entered (enterWith) before the loop, no stagescope (benchmarks/children/tiny-als.mjs), minus a plain process with no AsyncLocalStorage: what every await in a traced process pays, traced or not, because tracing has started (process-wide, not in OH)`,
      sample: perRound((get) => enteredStoreAddedNs(get, 'als')),
      context: perRound((get) => ({ plainCallNs: resultNumber(need(get, 'tiny', 'plain'), 'perCallNs') })),
    },
    {
      id: 'tiny-hand-added',
      row: 6,
      title: 'tiny async fn: hand-written AsyncLocalStorage wrapper, added/call',
      unit: 'ns',
      goal: { kind: 'none', text: '(reference)' },
      method: `${settings.tinyCalls} awaited calls timed inside the child, \`work\` wrapped by hand the least a tracer that keeps a context across the call can do (benchmarks/children/tiny-hand.mjs: a span-like object entered as the AsyncLocalStorage context and the caller's restored, two performance.now() readings, the end from a .then; nothing named or kept), minus plain: the floor of such a tracer on this Node, beside stagescope's added time`,
      sample: perRound((get) => enteredStoreAddedNs(get, 'hand')),
    },
    {
      id: 'tiny-late-stagescope-added',
      row: 6,
      title: `tiny async fn, budget off, ${(settings.tinyLateFromMs / 1000).toFixed(1)} s after start-up: stagescope added/call`,
      unit: 'ns',
      goal: { kind: 'max', value: 500, text: '≤ 500 ns' },
      method: `the tiny loop in batches of 100,000 awaited calls until the process is ${settings.tinyLateUntilMs} ms old (benchmarks/children/long-tiny-loop.mjs); the median batch of those started ${settings.tinyLateFromMs} ms or later, stagescope (as above) minus plain: a process that has run past 2.15 s (docs/overhead.md, one-off measurement M11)`,
      sample: perRound(
        (get) => resultNumber(need(get, 'tiny-late', 'stagescope'), 'latePerCallNs') - resultNumber(need(get, 'tiny-late', 'plain'), 'latePerCallNs'),
      ),
      context: perRound((get) => ({
        plainCallNs: resultNumber(need(get, 'tiny-late', 'plain'), 'latePerCallNs'),
        earlyAddedNs: resultNumber(need(get, 'tiny-late', 'stagescope'), 'earlyPerCallNs') - resultNumber(need(get, 'tiny-late', 'plain'), 'earlyPerCallNs'),
      })),
    },
    {
      id: 'probes-per-span',
      row: 7,
      title: 'probes memory+cpu+disk+network per span',
      unit: 'µs',
      goal: { kind: 'max', value: 3, text: '≤ 3 µs' },
      method: `${settings.probeCalls} spans of a tiny sync function, budget off, STAGESCOPE_PROBES=memory,cpu,disk,network minus no probes, per call (a target of calls under 100 µs takes no readings per span: READINGS_MIN_NS in src/probes/per-span-readings.ts; the next row is the cost where they are taken)`,
      sample: perRound((get) => (resultNumber(need(get, 'probes', 'on'), 'perCallNs') - resultNumber(need(get, 'probes', 'off'), 'perCallNs')) / 1e3),
    },
    {
      id: 'probes-per-reading-span',
      row: 7,
      title: `probes memory+cpu+disk+network per span that takes readings (a ${settings.probeSpinUs} µs call)`,
      unit: 'µs',
      goal: { kind: 'none', text: '(reference)' },
      method: `${settings.probeSpinCalls} calls busy for ${settings.probeSpinUs} µs of wall time, budget off, STAGESCOPE_PROBES=memory,cpu,disk,network, in one process: median over pairs of 10-call blocks (ABBA) of the median call with the tracer's probes minus without them (benchmarks/children/probe-loop.mjs spin=…)`,
      sample: perRound((get) => resultNumber(need(get, 'probes', 'reading'), 'probesAddedNs') / 1e3),
    },
    {
      id: 'oh-tiny-default',
      row: 8,
      title: 'reported OH / measured, tiny loop, default budget',
      unit: '×',
      goal: OH_GOAL,
      method:
        "run document overheadNs, plus its estimate of the async context's cost (overhead.asyncContext.estimatedNs: Node < 24, not in OH) / (traced − plain script time), both timed inside the child from the script's first statement (start-up excluded)",
      sample: perRound((get) => {
        const traced = need(get, 'tiny', 'stagescope-default');
        return ohRatio(
          reportedOverheadNs(docOf(traced, 'tiny/stagescope-default'), 'tiny/stagescope-default'),
          resultNumber(traced, 'scriptNs') - resultNumber(need(get, 'tiny', 'plain'), 'scriptNs'),
          'tiny loop, default budget',
        );
      }),
      context: perRound((get) => {
        const traced = need(get, 'tiny', 'stagescope-default');
        return { reportedMs: reportedOverheadNs(docOf(traced, 'tiny'), 'tiny') / 1e6, ...addedScriptMs(traced, need(get, 'tiny', 'plain')) };
      }),
    },
    {
      id: 'oh-tiny-off',
      row: 8,
      title: 'reported OH / measured, tiny loop, budget off',
      unit: '×',
      goal: OH_GOAL,
      method: 'as above, budget off (every call recorded)',
      sample: perRound((get) => {
        const traced = need(get, 'tiny', 'stagescope');
        return ohRatio(
          reportedOverheadNs(docOf(traced, 'tiny/stagescope'), 'tiny/stagescope'),
          resultNumber(traced, 'scriptNs') - resultNumber(need(get, 'tiny', 'plain'), 'scriptNs'),
          'tiny loop, budget off',
        );
      }),
      context: perRound((get) => {
        const traced = need(get, 'tiny', 'stagescope');
        return { reportedMs: reportedOverheadNs(docOf(traced, 'tiny'), 'tiny') / 1e6, ...addedScriptMs(traced, need(get, 'tiny', 'plain')) };
      }),
    },
    perCallOhFigure(
      'oh-model-loop',
      'reported OH / measured per call, model loop (rows 3 and 4)',
      "median over rounds of the run document's per-call overhead (wrapperNs + warmUpNs + hooksNs + probesNs + passThroughNs + recorderNs, and the async context's estimated cost, Node < 24, over its wrapped calls: the loops' and the session's create) / median over rounds of the mean of rows 3 and 4 in the same round (CPU time per call, traced minus plain; both loops have as many calls); min–max: the reported median over the largest and the smallest round's measured time, unbounded (∞, verdict unresolved) when a round measured none; a reference: it divides by the two-process figure, whose spread is tens of µs a call, and the goal is judged on the same calls paired in one process (the row below), as rows 3 and 4 judge theirs",
      'model loop',
      (get) => {
        const traced = need(get, 'model', 'traced');
        const plain = need(get, 'model', 'plain');
        const onnx = loopCpuNs(traced, plain, 'onnx');
        const sharp = loopCpuNs(traced, plain, 'sharp');
        const doc = docOf(traced, 'model/traced');
        return {
          reportedNs: reportedPerCallNs(doc, 'model/traced'),
          measuredNs: (onnx.traced - onnx.plain + sharp.traced - sharp.plain) / 2,
          extra: {
            wrapperMeasuredPerCallUs: (doc.overheadPartsNs.wrapperMeasuredNs ?? 0) / Math.max(1, doc.wrappedCalls ?? 1) / 1e3,
            hooksPerCallUs: (doc.overheadPartsNs.hooksNs ?? 0) / Math.max(1, doc.wrappedCalls ?? 1) / 1e3,
          },
        };
      },
      { kind: 'none', text: '(reference)' },
    ),
    perCallOhFigure(
      'oh-model-paired',
      'reported OH / measured per call, rows 3 and 4 paired in one process',
      "median over rounds of the OH per call of the paired child's blocks (its run document's wrapperNs + warmUpNs + hooksNs + probesNs + passThroughNs + recorderNs, less those of the same child stopped after its warm-up pairs, over the wrapped calls between: the warm-up's first calls and the async context, which the unwrapped calls pay too, are left out) / median over rounds of the mean of what its pairs measured per call (the cls run, the sharp resize and the sharp crop: as many wrapped calls each), in the same process; min–max: the reported median over the largest and the smallest round's measured time, unbounded (∞, verdict unresolved) when a round measured none. The pairs' figure is a median of block medians: a collection that lands in one block is left out, which OH counts",
      'paired calls',
      (get) => {
        const traced = need(get, 'model-paired', 'traced');
        const doc = docOf(traced, 'model-paired/traced');
        return {
          reportedNs: blocksOverheadPerCallNs(doc, docOf(need(get, 'model-paired', 'tracedWarm'), 'model-paired/tracedWarm')),
          measuredNs: pairedMeanNs(traced),
          extra: { wholeRunPerCallUs: reportedPerCallNs(doc, 'model-paired/traced') / 1e3 },
        };
      },
    ),
    {
      id: 'oh-ocr-loop',
      row: 8,
      title: `reported OH / measured, ${settings.ocrIterations}-iteration OCR loop`,
      unit: '×',
      // Between two processes the loop's added time spreads by hundreds of ms
      // (−179 to +379 ms over ten rounds on Node 24, at 353f370): the goal is
      // judged on the same loop's calls paired in one process (the row below).
      goal: { kind: 'none', text: '(reference)' },
      method:
        "median over rounds of the run document overheadNs (plus the async context's estimated cost, Node < 24) / median over rounds of (traced − plain script time: loading the libraries, creating the sessions, the reads), default settings; min–max: the reported median over the largest and the smallest round's measured time, unbounded (∞, verdict unresolved) when a round measured none; a reference: between two processes the loop's added time spreads by hundreds of ms, and the goal is judged on the same loop's calls paired in one process (the row below)",
      sample: perRound((get) => {
        const traced = need(get, 'ocr-loop', 'traced');
        return ohRatio(
          reportedOverheadNs(docOf(traced, 'ocr-loop/traced'), 'ocr-loop/traced'),
          resultNumber(traced, 'scriptNs') - resultNumber(need(get, 'ocr-loop', 'plain'), 'scriptNs'),
          'OCR loop',
        );
      }),
      ratioOfMedians: { numerator: 'reportedMs', denominator: 'measuredMs' },
      context: perRound((get) => {
        const traced = need(get, 'ocr-loop', 'traced');
        const plain = need(get, 'ocr-loop', 'plain');
        return {
          reportedMs: reportedOverheadNs(docOf(traced, 'ocr'), 'ocr') / 1e6,
          ...addedScriptMs(traced, plain),
          plainMs: resultNumber(plain, 'scriptNs') / 1e6,
        };
      }),
    },
    perCallOhFigure(
      'oh-ocr-paired',
      `reported OH / measured per call, the OCR loop's calls paired in one process`,
      "median over rounds of the OH per wrapped call of the paired child's measured reads (its run document's wrapperNs + warmUpNs + hooksNs + probesNs + passThroughNs + recorderNs, less those of the same child stopped after its warm-up reads, over the wrapped calls between) / median over rounds of what the child measured wrapping added to a call (children/ocr-paired.mjs: each InferenceSession.run and sharp pipeline call of the PaddleOCR loop run through the wrapper and through the function it wraps, one after the other; for each of a read's calls, the mean of the median over the pairs run wrapped-first and the one over those run unwrapped-first; the mean over a read's calls); min–max: the reported median over the largest and the smallest round's measured time, unbounded (∞, verdict unresolved) when a round measured none. What every await of the process pays (row 6), start-up and the module hooks are left out: the unwrapped runs pay them too",
      'OCR loop, paired calls',
      (get) => {
        const traced = need(get, 'ocr-paired', 'traced');
        return {
          reportedNs: blocksOverheadPerCallNs(
            docOf(traced, 'ocr-paired/traced'),
            docOf(need(get, 'ocr-paired', 'tracedWarm'), 'ocr-paired/tracedWarm'),
            'ocr-paired',
          ),
          measuredNs: resultNumber(traced, 'addedNs'),
          extra: {
            callsPerIteration: resultNumber(traced, 'callsPerIteration'),
            minCallAddedUs: resultNumber(traced, 'minCallAddedNs') / 1e3,
            maxCallAddedUs: resultNumber(traced, 'maxCallAddedNs') / 1e3,
          },
        };
      },
    ),
    ocrLoopAdded('ocr-loop-added-stagescope', 'OCR loop, added loop time: stagescope (--import, default settings)', 'traced'),
    ocrLoopAdded(
      'ocr-loop-added-otel',
      'OCR loop, added loop time: OpenTelemetry SDK around the same calls',
      'otel',
      ' (benchmarks/children/otel-wrappers.mjs: NodeTracerProvider, BatchSpanProcessor, AsyncLocalStorageContextManager, startActiveSpan around InferenceSession.run and sharp _pipeline)',
    ),
    startupShown('startup-reported', 'start-up shown / measured (--import ocr)', 'firstImport', 'node --import stagescope/register/ocr first-statement.mjs'),
    startupShown('startup-reported-cli', 'start-up shown / measured (stagescope run)', 'firstCli', 'stagescope run --preset ocr -- first-statement.mjs'),
  ];
}
