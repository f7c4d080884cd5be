import { nowNs, nsToWallMs } from './clock.js';
import { isoFromEpochMs } from './iso-time.js';
import type { Span } from './span.js';
import type { SpanError, SpanRecord } from './types.js';
import { documentError } from './errors.js';

export const RUN_FORMAT = 'stagescope.run/1';

export interface RunDiagnostic {
  code: string;
  message: string;
}

/** A time series sampled in the background (probes issue); kept here so renderers agree. */
export interface SampleSeries {
  name: string;
  unit: string;
  /** [ns since run start, value] */
  points: [number, number][];
}

/**
 * Something stagescope decided by itself during the run: the overhead budget
 * sampled or disabled a target whose wrappers cost too much for the work they
 * measure. Renderers show each one (a line in the text tree).
 */
export interface AdaptiveEvent {
  /** Target id (`module#exportPath`). */
  target: string;
  /** `sample`: 1 call in `sampleEvery` recorded; `disable`: no more spans; `restore`: every call again. */
  action: 'sample' | 'disable' | 'restore';
  /** The measured numbers, e.g. `wrapper overhead 812% of the measured work > budget 1%`. */
  reason: string;
  /** For `sample`: record 1 call in this many. */
  sampleEvery?: number;
  /** When it was decided: ns since the run (or request) start in a document. */
  atNs: number;
}

/** The saved form of a run: every renderer and `compare` reads this (DESIGN.md). */
export interface RunDocument {
  format: typeof RUN_FORMAT;
  preset: string | null;
  command: string[];
  /** ISO wall clock of the run's start. */
  startedAt: string;
  durationNs: number;
  /** OH: what observing this run cost, ns: the sum of `overhead`'s parts, start-up aside (see `OverheadBreakdown`). */
  overheadNs: number;
  wrappedCalls: number;
  /** Spans lost because the recorder's bounded buffer was full. */
  droppedSpans: number;
  exitCode: number | null;
  error: SpanError | null;
  environment: { node: string; platform: string; arch: string; stagescope: string };
  diagnostics: RunDiagnostic[];
  spans: SpanRecord[];
  samples?: SampleSeries[];
  /** Main-thread ns spent by background samplers and probes' handlers outside wrappers (GC observer, network channels); absent without probes. */
  samplerOverheadNs?: number;
  /** Adaptive tracing decisions (overhead budget), oldest first; absent when none. */
  adaptive?: AdaptiveEvent[];
  /** Process id of the process that wrote the document (spans without a `pid` ran here). */
  pid?: number;
  /** Worker threads and child processes whose spans were merged in (docs/workers-and-processes.md); absent when none. */
  reach?: ReachSource[];
  /** What the overhead budget did, in sum (the root line shows it); absent when it did nothing. */
  budget?: BudgetSummary;
  /** How `overheadNs` was made up, and stagescope's start-up; absent in documents from older versions. */
  overhead?: OverheadBreakdown;
}

/** A worker thread or child process whose spans a run document holds. */
export interface ReachSource {
  kind: 'worker' | 'process';
  /** Span id (in this document) of the source's root span. */
  rootId: string;
  pid: number;
  /** Worker thread id (0 for a child process's main thread). */
  threadId: number;
  /** Worker file or child command. */
  label: string;
  /** False when the source never reported its end (terminated worker, killed child): its open spans are `unfinished`. */
  complete: boolean;
}

/** The overhead budget's decisions in sum. */
export interface BudgetSummary {
  /** Targets recorded 1 call in N. */
  sampled: number;
  /** Targets no longer recorded. */
  disabled: number;
  /** Targets the budget cut and then gave back every call (`OverheadBudget.restore`); absent when none. */
  restored?: number;
  /** Calls of those targets (sampled, disabled or restored) that went through unrecorded while cut. */
  skippedCalls: number;
  /** The same, per target id. */
  skippedByTarget?: Record<string, number>;
  /** Calls of those targets recorded all the same because they took 100 µs or more (not in `skippedCalls`). */
  keptLongCalls?: number;
  /** The same, per target id. */
  keptLongByTarget?: Record<string, number>;
}

/**
 * The parts of a run's overhead (`overheadNs` is their sum, start-up aside).
 * Wrapper costs are calls × a calibrated cost per call (see the docs on
 * overhead); hooks and probes are timed where they run.
 */
export interface OverheadBreakdown {
  /**
   * The wrappers' cost, ns: recorded calls × their calibrated cost (sync and
   * async apart), except calls of hooked targets and the process's first 1,024
   * calls of other targets (`measuredCalls`), whose wrapper time was measured
   * where it ran (`wrapperMeasuredNs`) and only the part between their clock
   * readings is calibrated.
   */
  wrapperNs: number;
  /** Recorded calls whose wrapper time was measured: hooked targets', and the process's first 1,024 of others (absent when none). */
  measuredCalls?: number;
  /**
   * Of `measuredCalls`, those timed where they ran; the others, a hooked
   * target's calls past its first 64 but one in 16, count what the target's
   * timed calls cost lately, wrapper and hooks (instrument/timed-calls.ts).
   * Absent in documents of earlier versions, which timed every such call.
   */
  timedCalls?: number;
  /** Their wrapper time, measured or estimated as above, ns, part of `wrapperNs` (absent when none). */
  wrapperMeasuredNs?: number;
  /** Calls that went through a wrapper unrecorded (disabled, sampled out, suppressed). */
  passThroughCalls: number;
  /**
   * Switching the clock to `performance.now()` at a target's 16th call,
   * measured (once per process; 0 for a later run in the same process), ns.
   * The wrapper's own warm-up (its first calls run before V8 has optimised it)
   * is in `wrapperMeasuredNs`: those calls are timed. Documents of earlier
   * versions held an estimate of that warm-up here.
   */
  warmUpNs: number;
  /**
   * `passThroughCalls` × the calibrated pass-through cost, ns; a call the budget
   * let through but timed (`watchedCalls`) at the calibrated cost of that.
   */
  passThroughNs: number;
  /**
   * Calls of targets the budget sampled or disabled that went through timed, so
   * that one of 100 µs or more is recorded all the same (`budget.keptLongCalls`).
   */
  watchedCalls?: number;
  /** Library hooks (labelling on the call path), measured, ns. */
  hooksNs: number;
  /** Per-span probes, measured, ns. */
  probesNs: number;
  /**
   * stagescope's own work in the module hooks while the run was traced,
   * measured, ns: recognising the traced packages as they load, patching them,
   * rewriting a watched ESM module, and starting the worker and child-process
   * tracing when the script loads those builtins. Node's own cost of having
   * module hooks is not in it. Absent in documents of earlier versions.
   */
  modulesNs?: number;
  /**
   * Growing the recorder's rows while the run filled them, measured, ns:
   * allocating the columns, copying them, touching their memory for the first
   * time (128 rows at first, then 1,024, then 16 times more at a time up to `maxSpans`).
   * Absent in documents of earlier versions.
   */
  recorderNs?: number;
  /**
   * The costs per call, ns (absent when nothing was wrapped): `calibrated` when
   * measured in the traced process (runs of 100 000 calls or more), else the
   * estimate for its Node version (a smaller run's wrapper share is smaller than
   * measuring it would cost).
   */
  perCall?: { syncNs: number; asyncNs: number; passThroughNs: number; watchSyncNs?: number; watchAsyncNs?: number; insideSpanNs: number; calibrated: boolean };
  /** Measuring the per-call costs at the run's end, ns; absent when the estimate was used or they were measured earlier. */
  calibrationNs?: number;
  /**
   * Loading stagescope and patching before the script ran (not part of
   * `durationNs` or `overheadNs`), ns; absent when unknown. It includes
   * `startupImportNs` when that is there.
   */
  startupNs?: number;
  /**
   * Of `startupNs`, what Node did for the `--import` before stagescope's entry
   * ran its first line (its module loader's set-up, resolving and loading the
   * entry), ns. Only when that flag alone made Node start its ES module
   * loader: stagescope's entry is the first import, and the script is
   * CommonJS or `-e` code. Absent otherwise (the CLI, another import first,
   * an ES module script, which needs the loader anyway).
   */
  startupImportNs?: number;
  /**
   * How the runtime script was compiled at start-up: `hit` from V8's code cache;
   * `miss` or `rejected` from source (the first run with this Node, slower by the
   * compile); `off` (STAGESCOPE_CODE_CACHE=off). Absent when stagescope was not
   * started from a bundled `--import` entry.
   */
  startupCodeCache?: 'hit' | 'miss' | 'rejected' | 'off';
  /**
   * Per target that ran (by target id), what its calls measured since the
   * preset started, for telling which target's observation costs what:
   * `calls` recorded, `passThroughCalls` not recorded, `durationNs` the
   * recorded calls' own time, `hooksNs` its library hook's time (measured, or
   * for a hooked target's calls not timed, what its timed calls cost lately),
   * and, for a target whose wrapper time is measured where it runs (hooked
   * targets, and any target's calls among the process's first 1,024),
   * `measuredCalls` and their `wrapperMeasuredNs`. The rest of a target's
   * wrapper time is calibrated per call (`perCall`) and not split by target.
   * Counts are the process's, over every trace the preset recorded. Absent
   * when no target ran, and in documents of earlier versions.
   */
  byTarget?: Record<string, TargetCost>;
  /** Overhead of the worker threads and child processes merged in (their own `overheadNs`), ns; absent when none. */
  reachNs?: number;
  /**
   * How this Node carries the AsyncLocalStorage context across `await`
   * (`asyncContextMechanism()` in core/context.ts). Once tracing has started,
   * every await in the process pays for it, traced or not: next to nothing with
   * `async-context-frame` (Node 24), a hook on every new promise and other
   * async resource with `async-hooks` (Node 20 and 22). With `async-hooks`:
   * how many async resources the process made from the run's start to its
   * report, less the promises stagescope's wrappers made, whose cost is in
   * OH's per-call figures (`asyncResources`), the estimated cost of one (`perResourceNs`),
   * and their product (`estimatedNs`), the figure the root line, the call
   * graph's legend, the Gantt chart and the HTML report show as
   * `async context ~…`. Not in `overheadNs`: it is the process's cost of
   * having an AsyncLocalStorage at all, paid by code stagescope never wraps,
   * and an estimate. Absent in documents of earlier versions.
   */
  asyncContext?: {
    mechanism: 'async-context-frame' | 'async-hooks';
    asyncResources?: number;
    perResourceNs?: number;
    estimatedNs?: number;
  };
}

/** One target's share of what observing cost (`OverheadBreakdown.byTarget`). */
export interface TargetCost {
  calls: number;
  passThroughCalls: number;
  durationNs: number;
  hooksNs: number;
  measuredCalls: number;
  wrapperMeasuredNs: number;
}

export interface BuildRunOptions {
  preset: string | null;
  command: string[];
  root: Span;
  spans: readonly Span[];
  droppedSpans: number;
  exitCode?: number | null;
  diagnostics?: RunDiagnostic[];
  stagescopeVersion: string;
  /** Reading of the clock to use for spans still open (default now). */
  atNs?: number;
}

/**
 * Turn the live spans of one trace into the saved document: times relative to
 * the root's start, self time computed, open spans marked `unfinished` with the
 * duration they had so far. Spans whose parent was dropped from the bounded
 * buffer are attached to the root (their `attributes.orphaned` says so).
 */
export function buildRunDocument(options: BuildRunOptions): RunDocument {
  const { root } = options;
  const atNs = options.atNs ?? nowNs();
  const records = toSpanRecords(
    root,
    options.spans.filter((span) => span.trace === root.trace),
    atNs,
  );
  const rootId = root.id;
  const rootRecord = records.find((record) => record.id === rootId);
  return {
    format: RUN_FORMAT,
    preset: options.preset,
    command: options.command,
    startedAt: isoFromEpochMs(nsToWallMs(root.startNs)),
    durationNs: rootRecord?.durationNs ?? 0,
    // Measured parts only (a preset replaces it with the full breakdown's total).
    overheadNs: Math.round(root.trace.overheadNs + root.trace.wrapperMeasuredNs),
    wrappedCalls: root.trace.wrappedCalls,
    droppedSpans: options.droppedSpans,
    exitCode: options.exitCode ?? null,
    error: root.error,
    environment: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      stagescope: options.stagescopeVersion,
    },
    diagnostics: options.diagnostics ?? [],
    spans: records,
  };
}

/**
 * The saved form of one trace's spans: times relative to the root's start, self
 * time computed, open spans `unfinished` with the duration they had at `atNs`.
 * The root is always included (even if the bounded buffer dropped it); a span
 * whose parent is not among `spans` is attached to the root and marked
 * `attributes.orphaned`, so nothing recorded is hidden. Used for run documents
 * and for the serve store's request trees.
 */
export function toSpanRecords(root: Span, spans: readonly Span[], atNs: number): SpanRecord[] {
  // By id, not object identity: the recorder rebuilds ended spans as new objects,
  // while an open child still points at its parent's live handle.
  const all = spans.some((span) => span.idNumber === root.idNumber) ? spans : [root, ...spans];
  const present = new Set<number>(all.map((span) => span.idNumber));
  const records: SpanRecord[] = [];
  // Keyed by the parent's id number, the root's id string made once: every
  // child made its parent's id string anew and looked its siblings up by it
  // (with the two changes beside this one, a 100,000-span run's exit went
  // from 228 to 189 ms: docs/overhead.md M22).
  const childrenOf = new Map<number, SpanRecord[]>();
  const rootId = root.id;
  for (const span of all) {
    const endNs = span.endNs >= 0 ? span.endNs : atNs;
    let parentNumber = span.parent === null ? -1 : span.parent.idNumber;
    const attributes = span.attributes === null ? {} : { ...span.attributes };
    if (span.idNumber !== root.idNumber && (span.parent === null || !present.has(span.parent.idNumber))) {
      parentNumber = root.idNumber;
      attributes.orphaned = true;
    }
    const record: SpanRecord = {
      id: span.id,
      parentId: parentNumber < 0 ? null : parentNumber === root.idNumber ? rootId : String(parentNumber),
      traceId: span.trace.id,
      name: span.name,
      stage: span.stage,
      target: span.target,
      startNs: span.startNs - root.startNs,
      durationNs: Math.max(0, endNs - span.startNs),
      selfNs: 0,
      status: span.endNs >= 0 ? span.status : 'unfinished',
      error: span.error,
      metrics: span.metrics === null ? {} : { ...span.metrics },
      attributes,
    };
    records.push(record);
    if (parentNumber >= 0) {
      let siblings = childrenOf.get(parentNumber);
      if (siblings === undefined) childrenOf.set(parentNumber, (siblings = []));
      siblings.push(record);
    }
  }
  for (let index = 0; index < records.length; index++) records[index]!.selfNs = selfTime(records[index]!, childrenOf.get(all[index]!.idNumber) ?? []);
  return records;
}

/**
 * Self time = duration minus the union of the children's intervals clipped to the
 * parent. A union, not a sum: concurrent children (Promise.all) overlap, and a
 * sum would make self time negative. Children in start order (as a recorder
 * gives them) are merged as they come; others are sorted first.
 */
export function selfTime(parent: SpanRecord, children: readonly SpanRecord[]): number {
  if (children.length === 0) return parent.durationNs;
  const parentEnd = parent.startNs + parent.durationNs;
  let ordered = true;
  for (let index = 1; index < children.length && ordered; index++) ordered = children[index - 1]!.startNs <= children[index]!.startNs;
  const inOrder = ordered ? children : [...children].sort((a, b) => a.startNs - b.startNs);
  let covered = 0;
  let currentStart = -1;
  let currentEnd = -1;
  for (const child of inOrder) {
    // Clipped to the parent (a clipped start keeps the order: max with a constant).
    const start = Math.max(parent.startNs, child.startNs);
    const end = Math.min(parentEnd, child.startNs + child.durationNs);
    if (end <= start) continue;
    if (start > currentEnd) {
      if (currentEnd > currentStart) covered += currentEnd - currentStart;
      currentStart = start;
      currentEnd = end;
    } else if (end > currentEnd) {
      currentEnd = end;
    }
  }
  if (currentEnd > currentStart) covered += currentEnd - currentStart;
  return Math.max(0, parent.durationNs - covered);
}

/** Validate a parsed JSON value as a run document; throws a StagescopeError (`SS_ERR_DOCUMENT_INVALID`) naming what is wrong. */
export function assertRunDocument(value: unknown, source: string): asserts value is RunDocument {
  const doc = value as Partial<RunDocument> | null;
  if (doc === null || typeof doc !== 'object') throw documentError(`${source}: not a stagescope run document (not a JSON object)`);
  if (doc.format !== RUN_FORMAT) {
    throw documentError(`${source}: not a stagescope run document (format is ${JSON.stringify(doc.format)}, expected "${RUN_FORMAT}")`);
  }
  if (!Array.isArray(doc.spans)) throw documentError(`${source}: run document has no "spans" list`);
  doc.spans.forEach((span, index) => {
    if (typeof span?.id !== 'string' || typeof span.name !== 'string' || typeof span.startNs !== 'number' || typeof span.durationNs !== 'number') {
      throw documentError(`${source}: spans[${index}] needs string id and name and numeric startNs and durationNs`);
    }
  });
}
