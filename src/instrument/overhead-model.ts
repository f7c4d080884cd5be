import { nowNs } from '../core/clock.js';
import { storage } from '../core/context.js';
import { Tracer } from '../core/tracer.js';
import { countedSwitch, wrapFunction, type CountedSwitch, type TargetSwitch } from './wrap.js';

/**
 * What stagescope's wrapper costs per call on this machine, this process, now.
 *
 * Why calibrated and not measured on every call: the wrapper takes two clock
 * readings per call (the span's start and end). Measuring its own cost would take
 * two to four more — at ~50 ns per reading on a VM clock, more than the rest of
 * the wrapper — and would still miss what happens outside it (the promise
 * reaction that ends an async span, the garbage of the span handle). So the
 * wrapper counts calls, and the cost per call is measured the way a benchmark
 * measures it: the same wrapper around a no-op, against the bare no-op,
 * interleaved, after a warm-up, each variant's lowest of twelve rounds. Overhead = calls × cost per call + measured
 * hook and probe time (hooks and probes are timed where they run).
 *
 * What this does not see: a cold CPU cache makes the calls of a pipeline
 * step slower than this warm figure (calls of hooked targets are therefore
 * timed where they run instead, `Trace.wrapperMeasuredNs`); and AsyncLocalStorage's cost on every
 * `await` in the process (Node < 24), which is not in OH and not reported on
 * its own: bench:cost's tiny-async-function row measures it only together with
 * the wrapper (docs/overhead.md, "What the calibrated figure does not see").
 */
export interface WrapperCosts {
  /** Added per recorded call of a function that returns a value, ns. */
  recordSyncNs: number;
  /** Added per recorded call of a function that returns a promise (includes the reaction that ends the span), ns. */
  recordAsyncNs: number;
  /** Added per call that went straight through (disabled, sampled out, suppressed), ns. */
  passThroughNs: number;
  /**
   * Added per call that went through unrecorded but timed, because the budget
   * sampled or disabled its target (`watchLong` in wrap.ts): a function that
   * returns a value, ns.
   */
  watchSyncNs: number;
  /** The same for a function that returns a promise (includes the reaction that times it), ns. */
  watchAsyncNs: number;
  /** Of `recordSyncNs`, the part between the span's two clock readings (inflates a span's own duration), ns. */
  insideSpanNs: number;
  /** Wall time the calibration took, ns (0 for an estimate). */
  calibrationNs: number;
  /** True when measured in this process, false for the per-Node-version estimate (`ESTIMATES`). */
  calibrated: boolean;
}

let syncCached: Omit<WrapperCosts, 'recordAsyncNs' | 'watchAsyncNs' | 'calibrated'> | undefined;
let asyncCached: { recordAsyncNs: number; watchAsyncNs: number; calibrationNs: number } | undefined;

const SYNC_CALLS = 1_000;
const ASYNC_CALLS = 500;
/** Short rounds, many of them: the more rounds, the likelier each variant has one the scheduler left alone. */
const ROUNDS = 12;
/** Calls made before the timed rounds: the scratch wrapper is a new closure, cold in the JIT (7 µs a call at first). */
const WARM_UP_CALLS = 3_000;

/**
 * Until the asynchronous calibration has run (it needs to await), an async call
 * is estimated at the synchronous cost plus this much for the promise reaction
 * that ends its span: the upper end of what bench:cost measured for a `.then`
 * with two closures on Node 20–24 (30–170 ns). Since the wrapper's reactions
 * became two shared handlers per target (no closure per call), this is an
 * upper end; not measured again.
 */
const REACTION_ESTIMATE_NS = 170;

/**
 * The same for a watched pass-through (`watchLong`), by Node major: its reaction
 * only reads the clock, with no span to end, but on Node < 24 the promise that
 * `.then` makes also pays AsyncLocalStorage's promise hook. What the tiny loop
 * under the default budget (bench:cost row 8) added per call beyond the
 * calibrated synchronous watch, this machine, 3 runs per Node, 2026-11-27:
 * Node 20 ~90 ns, Node 22 ~220 ns, Node 24 35–60 ns (the span-ending 170 made
 * row 8 read 1.5× on Node 24).
 *
 * On Node < 24 those figures also held AsyncLocalStorage's cost for the loop's
 * own two promises a call (the async function's and its await's), measured
 * against a process without it. That cost is now the run's `asyncContext`
 * figure (`asyncResourceNs` a resource, core/context.ts), which counts every
 * promise but the wrappers' own: so it is taken out here. Node 22: 220 − 2 × 84
 * ≈ 55. Node 20: 90 is less than the two promises' 2 × 77 (the per-resource
 * figure and this one come from different loops, each noisy); Node 24's
 * reaction, which holds no per-promise cost, stands in.
 */
const WATCH_REACTION_ESTIMATE_NS: Record<'20' | '22' | '24', number> = { '20': 60, '22': 55, '24': 60 };

function watchReactionEstimateNs(nodeMajor = Number(process.versions.node.split('.')[0])): number {
  return nodeMajor >= 24 ? WATCH_REACTION_ESTIMATE_NS['24'] : nodeMajor >= 22 ? WATCH_REACTION_ESTIMATE_NS['22'] : WATCH_REACTION_ESTIMATE_NS['20'];
}

/**
 * Added cost per call from timed rounds of a plain and a wrapped variant:
 * the lowest round of each, subtracted. After the warm-up the JIT has compiled
 * both, and what still varies between rounds is time the process was not
 * running (preemption on a shared machine) or was compiling, which only ever
 * adds. Taking each variant's own lowest round (not the lowest difference) keeps
 * one preempted plain round from making the wrapper look free: that happened on
 * a loaded CI machine and the overhead budget then let a hot target through.
 * Checked against bench:cost's A/B-measured added time (row 8).
 */
function addedNs(variantNs: number[], plainNs: number[]): number {
  if (variantNs.length === 0 || plainNs.length === 0) return 0;
  return Math.max(0, Math.min(...variantNs) - Math.min(...plainNs));
}

function syncPart(): NonNullable<typeof syncCached> {
  if (syncCached === undefined) {
    const startedNs = nowNs();
    const costs = calibrateSync();
    syncCached = { ...costs, calibrationNs: nowNs() - startedNs };
  }
  return syncCached;
}

/**
 * The calibrated costs, measured once per process (20–70 ms here) the first
 * time they are asked for, never at start-up; see `wrapperCostsFor` for when.
 */
export async function wrapperCosts(): Promise<WrapperCosts> {
  syncPart();
  if (asyncCached === undefined) {
    const startedNs = nowNs();
    const { recordAsyncNs, watchAsyncNs } = await calibrateAsync();
    asyncCached = { recordAsyncNs, watchAsyncNs, calibrationNs: nowNs() - startedNs };
  }
  return knownWrapperCosts()!;
}

/**
 * The costs without awaiting (the `exit` path): the synchronous calibration
 * (once), and the asynchronous figure if it was measured already, else the
 * synchronous cost plus `REACTION_ESTIMATE_NS`.
 */
export function wrapperCostsSync(): WrapperCosts {
  const sync = syncPart();
  return {
    ...sync,
    recordAsyncNs: asyncCached?.recordAsyncNs ?? sync.recordSyncNs + REACTION_ESTIMATE_NS,
    watchAsyncNs: asyncCached?.watchAsyncNs ?? sync.watchSyncNs + watchReactionEstimateNs(),
    calibrationNs: sync.calibrationNs + (asyncCached?.calibrationNs ?? 0),
    calibrated: true,
  };
}

/**
 * Calls (recorded or passed through) from which measuring the wrapper's cost is
 * worth what it costs. A calibration takes 20–70 ms of the process's time on
 * this 2-core machine (most of it the JIT warming a fresh wrapper up), while
 * the wrapper costs 0.1–0.5 µs a call: below ~100 000 calls the wrapper's whole
 * share of the overhead (≤ ~50 ms) is smaller than measuring it, and an estimate
 * off by half misses by less than the calibration would add. Above it, the
 * calibration is a few per cent of what it measures.
 */
export const CALIBRATE_FROM_CALLS = 100_000;

/**
 * Per-call costs by Node major when the run is too small to calibrate: the
 * calibrated figures of this machine (2 shared cores, x86-64; bench:cost's
 * `perCall`, and `node build/test/…` wrap tests print them), rounded up.
 * Node 24's AsyncLocalStorage is built on AsyncContextFrame: switching the
 * context copies the frame (~90 ns per switch, two per call), where Node 20
 * and 22 set a field. Both switches lie outside the span's clock readings, so
 * `insideSpanNs` does not hold them: three calibrations per Node on 2026-11-27
 * read 56–65 ns (Node 20), 48–64 (22) and 52–62 (24), where Node 24's read
 * 229–311 with the switches inside. A watched pass-through (two clock
 * readings, and for a promise one reaction): sync, the upper end of three
 * calibrations per Node on 2026-11-27 (84–113 ns); async, what the tiny loop
 * under the default budget added per call (see `WATCH_REACTION_ESTIMATE_NS`),
 * on Node 20 and 22 less the AsyncLocalStorage cost of the loop's own two
 * promises a call (300 and 330 ns before; now in the `asyncContext` figure:
 * 300 − 2 × 77, 330 − 2 × 84, rounded up).
 */
const ESTIMATES: Record<'20' | '22' | '24', Omit<WrapperCosts, 'calibrationNs' | 'calibrated'>> = {
  '20': { recordSyncNs: 160, recordAsyncNs: 420, passThroughNs: 10, watchSyncNs: 110, watchAsyncNs: 150, insideSpanNs: 70 },
  '22': { recordSyncNs: 140, recordAsyncNs: 420, passThroughNs: 10, watchSyncNs: 90, watchAsyncNs: 165, insideSpanNs: 65 },
  '24': { recordSyncNs: 420, recordAsyncNs: 420, passThroughNs: 15, watchSyncNs: 115, watchAsyncNs: 160, insideSpanNs: 65 },
};

/**
 * The calibrated part of a measured call's cost (a hooked target's, whose
 * wrapper time is timed where it runs: `Trace.wrapperMeasuredNs`): what the
 * wrapper cannot time. The context read and switch checks before its first
 * reading (a pass-through's cost), what falls between the span's clock
 * readings, and for the share `asyncShare` of calls that return a promise the
 * reaction. Per call, ns; OH and the overhead budget both add it.
 */
export function unmeasuredPartNs(costs: WrapperCosts, asyncShare: number): number {
  return costs.passThroughNs + costs.insideSpanNs + asyncShare * Math.max(0, costs.recordAsyncNs - costs.recordSyncNs);
}

/** Has this process measured the synchronous costs already? */
export function calibratedAlready(): boolean {
  return syncCached !== undefined;
}

/** The per-Node-version estimate (never measures). */
export function estimatedWrapperCosts(nodeMajor = Number(process.versions.node.split('.')[0])): WrapperCosts {
  const row = nodeMajor >= 24 ? ESTIMATES['24'] : nodeMajor >= 22 ? ESTIMATES['22'] : ESTIMATES['20'];
  return { ...row, calibrationNs: 0, calibrated: false };
}

/**
 * The costs to account `calls` wrapped calls with: the calibrated figures if
 * this process has them, else a calibration when `calls` reaches
 * `CALIBRATE_FROM_CALLS`, else the estimate. An overhead budget's check and the
 * run's end both come here, so a small run never pays for a calibration and a
 * large one pays once.
 */
export function wrapperCostsFor(calls: number): WrapperCosts {
  const known = knownWrapperCosts();
  if (known !== undefined) return known;
  if (syncCached !== undefined || calls >= CALIBRATE_FROM_CALLS) return wrapperCostsSync();
  return estimatedWrapperCosts();
}

function scratch(): { tracer: Tracer; sw: CountedSwitch; off: TargetSwitch; watched: TargetSwitch } {
  const tracer = new Tracer({ maxSpans: 256 });
  const sw = { enabled: true } as TargetSwitch;
  const off: TargetSwitch = { enabled: false };
  // A target the budget switched off: its calls are timed, none is long enough to
  // record. Made as the instrumenter makes a switch, then turned: a switch of
  // another shape would make the wrapper's property reads (shared by every
  // wrapper) polymorphic, slower here (2× on the async figure) and afterwards.
  const watched = countedSwitch({ enabled: false });
  watched.watchLong = true;
  return { tracer, sw: sw as CountedSwitch, off, watched };
}

function spec(sw: TargetSwitch): Parameters<typeof wrapFunction>[1] {
  return { name: 'calibrate', stage: null, target: 'stagescope#calibrate', record: true, callback: false, hook: undefined, onResult: undefined, switch: sw };
}

function calibrateSync(): Omit<WrapperCosts, 'recordAsyncNs' | 'watchAsyncNs' | 'calibrationNs' | 'calibrated'> {
  const { tracer, sw, off, watched } = scratch();
  const plain = (x: number): number => x + 1;
  const recorded = wrapFunction(plain, spec(sw), tracer);
  const passing = wrapFunction((x: number): number => x + 1, spec(off), tracer);
  const timed = wrapFunction((x: number): number => x + 1, spec(watched), tracer);
  const root = tracer.startSpan('calibration', { parent: null });
  const plainRounds: number[] = [];
  const recordRounds: number[] = [];
  const passRounds: number[] = [];
  const watchRounds: number[] = [];
  const spanRounds: number[] = [];
  storage.run(root, () => {
    let sink = 0;
    for (let i = 0; i < WARM_UP_CALLS; i++) sink = timed(passing(recorded(plain(sink))));
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = nowNs();
      for (let i = 0; i < SYNC_CALLS; i++) sink = plain(sink);
      const t1 = nowNs();
      const callsBefore = sw.calls ?? 0;
      const durationBefore = sw.times.durationNs;
      for (let i = 0; i < SYNC_CALLS; i++) sink = recorded(sink);
      const t2 = nowNs();
      for (let i = 0; i < SYNC_CALLS; i++) sink = passing(sink);
      const t3 = nowNs();
      for (let i = 0; i < SYNC_CALLS; i++) sink = timed(sink);
      const t4 = nowNs();
      plainRounds.push((t1 - t0) / SYNC_CALLS);
      recordRounds.push((t2 - t1) / SYNC_CALLS);
      passRounds.push((t3 - t2) / SYNC_CALLS);
      watchRounds.push((t4 - t3) / SYNC_CALLS);
      const calls = (sw.calls ?? 0) - callsBefore;
      if (calls > 0) spanRounds.push((sw.times.durationNs - durationBefore) / calls);
    }
    if (sink < 0) throw new Error('unreachable');
  });
  return {
    recordSyncNs: addedNs(recordRounds, plainRounds),
    passThroughNs: addedNs(passRounds, plainRounds),
    watchSyncNs: addedNs(watchRounds, plainRounds),
    insideSpanNs: addedNs(spanRounds, plainRounds),
  };
}

async function calibrateAsync(): Promise<{ recordAsyncNs: number; watchAsyncNs: number }> {
  const { tracer, sw, watched } = scratch();
  const plain = async (x: number): Promise<number> => x + 1;
  const recorded = wrapFunction(plain, spec(sw), tracer);
  const timed = wrapFunction(async (x: number): Promise<number> => x + 1, spec(watched), tracer);
  const root = tracer.startSpan('calibration', { parent: null });
  return storage.run(root, async () => {
    const plainRounds: number[] = [];
    const recordRounds: number[] = [];
    const watchRounds: number[] = [];
    let sink = 0;
    for (let i = 0; i < WARM_UP_CALLS / 3; i++) sink = await timed(await recorded(await plain(sink)));
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = nowNs();
      for (let i = 0; i < ASYNC_CALLS; i++) sink = await plain(sink);
      const t1 = nowNs();
      for (let i = 0; i < ASYNC_CALLS; i++) sink = await recorded(sink);
      const t2 = nowNs();
      for (let i = 0; i < ASYNC_CALLS; i++) sink = await timed(sink);
      const t3 = nowNs();
      plainRounds.push((t1 - t0) / ASYNC_CALLS);
      recordRounds.push((t2 - t1) / ASYNC_CALLS);
      watchRounds.push((t3 - t2) / ASYNC_CALLS);
    }
    return { recordAsyncNs: addedNs(recordRounds, plainRounds), watchAsyncNs: addedNs(watchRounds, plainRounds) };
  });
}

/** The costs if the full calibration (synchronous and asynchronous) has run in this process, else undefined; never measures. */
export function knownWrapperCosts(): WrapperCosts | undefined {
  if (syncCached === undefined || asyncCached === undefined) return undefined;
  return {
    ...syncCached,
    recordAsyncNs: asyncCached.recordAsyncNs,
    watchAsyncNs: asyncCached.watchAsyncNs,
    calibrationNs: syncCached.calibrationNs + asyncCached.calibrationNs,
    calibrated: true,
  };
}
