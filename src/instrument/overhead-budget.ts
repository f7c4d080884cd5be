import { nowNs } from '../core/clock.js';
import { guarded } from '../core/guarded.js';
import type { AdaptiveEvent, BudgetSummary } from '../core/run-document.js';
import type { Instrumenter } from './instrumenter.js';
import { unmeasuredPartNs, wrapperCostsFor } from './overhead-model.js';
import { switchTimesNs, type TargetSwitch } from './wrap.js';
import { checkOverheadPct, DEFAULT_MAX_OVERHEAD_PCT } from './overhead-pct.js';
export { checkOverheadPct, DEFAULT_MAX_OVERHEAD_PCT, OVERHEAD_PCT_EXPECTED } from './overhead-pct.js';

export interface OverheadBudgetOptions {
  /**
   * Largest wrapper overhead allowed per target, in percent of the work its
   * spans measure. Default 1. `Infinity` turns the budget off.
   */
  maxOverheadPct?: number;
  /**
   * When recording 1 call in more than this many would be needed to meet the
   * budget, the target is disabled instead (a span every 10 000 calls of a
   * 200 ns function tells nobody anything). Default 1000.
   */
  maxSampleEvery?: number;
  /** Adaptive events kept for the page and documents (oldest dropped). Default 200. */
  maxEvents?: number;
}

/*
 * The budget's one setting: the option table (presets/options/) parses
 * `--max-overhead-pct` and `STAGESCOPE_MAX_OVERHEAD_PCT` with these, and
 * `OverheadBudget` checks `maxOverheadPct` with them, so all three say the
 * same thing about a bad value.
 */

export type AdaptiveListener = (event: AdaptiveEvent) => void;

interface Window {
  calls: number;
  asyncCalls: number;
  longCalls: number;
  longDurationNs: number;
  durationNs: number;
  overheadNs: number;
  measuredCalls: number;
  wrapperMeasuredNs: number;
}

const NO_CALLS: Window = { calls: 0, asyncCalls: 0, longCalls: 0, longDurationNs: 0, durationNs: 0, overheadNs: 0, measuredCalls: 0, wrapperMeasuredNs: 0 };

/**
 * The share of a window's calls that must take `LONG_CALL_NS` or more for the
 * budget to leave the target alone as model-sized. Not 1%: the long calls of a
 * tiny target are pauses that land in them, and at 1% those alone spared it.
 * In a loop of 3 µs calls (test/fixtures/scripts/steady-loop.mjs), a window of
 * 1,024 calls read 8–30 calls of 100 µs or more on Node 24 on a 2-core machine
 * with nothing else running (pauses of 110–250 µs; the same loop untraced had
 * them only while warming up), and 13–55 beside three busy loops (scheduler
 * ticks of 4 ms besides). The budget then rarely acted, and the overhead it
 * exists to bound went unbounded on the machines that can least afford it. A
 * model-sized target's calls are long nearly every one. A target in between is
 * cut, and its long calls are still recorded (`watchLong`).
 */
export const MODEL_SIZED_SHARE = 0.1;

/**
 * What a call through a disabled or sampled-out wrapper costs (the fast path:
 * one context read and a branch): the part of the overhead that sampling cannot
 * remove. Calibrated or estimated, see `wrapperCostsFor` in `overhead-model.ts`.
 */
export function passThroughCostNs(): number {
  return wrapperCostsFor(0).passThroughNs;
}

/**
 * The overhead budget: every target's wrappers count their calls and the
 * duration of the work they measure (on the target's shared switch). Every
 * 1024 ended calls of a target its last window is checked: the wrapper's
 * calibrated cost per call plus the measured hook and probe time per call is set
 * against the work per call (the span's duration less the wrapper time inside
 * it). If that costs more than `maxOverheadPct` of the work, the target is
 * sampled (1 call in N recorded, N chosen to meet the budget including the
 * unavoidable pass-through cost) or, when no N would do, disabled. A target with
 * 10% or more of its calls in the window taking 100 µs or more (`LONG_CALL_NS`,
 * `MODEL_SIZED_SHARE`) is never sampled or disabled: those are the model calls
 * users came to see, and a wrapper costs well under 1% of them. A target with
 * fewer long calls than that (rare slow calls among a thousand tiny ones, or
 * pauses of the process: garbage collection, preemption) may be sampled or
 * disabled, but the calls it then lets through are
 * still timed, and each that takes 100 µs or more is recorded after it ends
 * (`watchLong` in wrap.ts): no call of 100 µs or more is lost to the budget.
 * Each decision becomes an
 * `AdaptiveEvent`, kept here and told to listeners (the serving integration
 * puts it into the request that was running, the run document keeps it).
 */
export class OverheadBudget {
  #maxOverheadPct: number;
  readonly maxSampleEvery: number;
  readonly maxEvents: number;
  readonly #instrumenter: Instrumenter;
  #windows = new Map<string, Window>();
  #events: AdaptiveEvent[] = [];
  #listeners: AdaptiveListener[] = [];
  #attached = false;
  /**
   * Targets this budget sampled or disabled, with its last decision for each (a
   * user's own switch is not the budget's to report). The decision, not the
   * switch: at the run's end every switch is off.
   */
  #acted = new Map<string, 'sample' | 'disable'>();
  /** Per target the budget acted on: its switch's counts when it did (what it skipped is counted from there). */
  #countsWhenCut = new Map<string, CutCounts>();
  /** Calls skipped (and long calls kept) while a target was cut, for targets restored since: they stay in the summary. */
  #whileCut = new Map<string, CutCounts>();

  constructor(instrumenter: Instrumenter, options: OverheadBudgetOptions = {}) {
    this.#instrumenter = instrumenter;
    this.#maxOverheadPct = checkOverheadPct(options.maxOverheadPct ?? DEFAULT_MAX_OVERHEAD_PCT);
    this.maxSampleEvery = options.maxSampleEvery ?? 1000;
    if (!Number.isInteger(this.maxSampleEvery) || this.maxSampleEvery < 1) {
      throw new RangeError(`stagescope: option maxSampleEvery must be a positive integer, got ${String(options.maxSampleEvery)}`);
    }
    this.maxEvents = options.maxEvents ?? 200;
  }

  /** The budget in percent of the measured work; `Infinity` = off. Settable (the serving options set it). */
  get maxOverheadPct(): number {
    return this.#maxOverheadPct;
  }

  set maxOverheadPct(value: number) {
    this.#maxOverheadPct = checkOverheadPct(value);
  }

  /** Start watching every target of the instrumenter. */
  attach(): this {
    if (this.#attached) return this;
    this.#attached = true;
    for (const target of this.#instrumenter.targets) {
      const sw = this.#instrumenter.targetSwitch(target.id);
      if (sw === undefined) continue;
      sw.onCheck = (s) => this.#check(target.id, s);
    }
    return this;
  }

  detach(): void {
    if (!this.#attached) return;
    this.#attached = false;
    for (const target of this.#instrumenter.targets) {
      const sw = this.#instrumenter.targetSwitch(target.id);
      if (sw !== undefined) sw.onCheck = undefined;
    }
  }

  /** Decisions so far, oldest first (bounded by maxEvents). `atNs` is absolute (`nowNs()`). */
  get events(): readonly AdaptiveEvent[] {
    return this.#events;
  }

  onEvent(listener: AdaptiveListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const index = this.#listeners.indexOf(listener);
      if (index >= 0) this.#listeners.splice(index, 1);
    };
  }

  /** Undo a decision: record every call of `id` again (and enable it). Returns false for an unknown id. */
  restore(id: string, reason = 'restored by the user'): boolean {
    const sw = this.#instrumenter.targetSwitch(id);
    if (sw === undefined) return false;
    const cut = this.#countsWhenCut.get(id);
    if (cut !== undefined) {
      // The calls skipped until now happened: they stay in the summary (the root line counts them, as a restored target).
      const since = countsSince(sw, cut);
      const earlier = this.#whileCut.get(id);
      this.#whileCut.set(id, earlier === undefined ? since : { skipped: earlier.skipped + since.skipped, keptLong: earlier.keptLong + since.keptLong });
      this.#countsWhenCut.delete(id);
    }
    const changed = this.#acted.delete(id) && ((sw.sampleEvery ?? 1) !== 1 || !sw.enabled);
    sw.sampleEvery = 1;
    sw.sampleTick = 0;
    sw.watchLong = false;
    this.#instrumenter.setTargetEnabled(id, true);
    this.#windows.delete(id);
    if (changed) this.#emit({ target: id, action: 'restore', reason, atNs: nowNs() });
    return true;
  }

  #check(id: string, sw: TargetSwitch): void {
    const now: Window = {
      calls: sw.calls ?? 0,
      asyncCalls: sw.asyncCalls ?? 0,
      longCalls: sw.longCalls ?? 0,
      ...switchTimesNs(sw),
      measuredCalls: sw.measuredCalls ?? 0,
    };
    const last = this.#windows.get(id) ?? NO_CALLS;
    this.#windows.set(id, now);
    const windowCalls = now.calls - last.calls;
    if (windowCalls <= 0 || !sw.enabled || this.#maxOverheadPct === Infinity) return;
    // Model-sized calls are always recorded. A few long calls among a thousand tiny
    // ones are pauses of the process, not the target's work (MODEL_SIZED_SHARE).
    if (now.longCalls - last.longCalls >= MODEL_SIZED_SHARE * windowCalls) return;
    // Estimated until this target has made CALIBRATE_FROM_CALLS calls: a tiny
    // target is far over budget either way, and calibrating at its first check
    // would pause the app for tens of ms to decide what is already clear.
    const costs = wrapperCostsFor(now.calls);
    const asyncShare = (now.asyncCalls - last.asyncCalls) / windowCalls;
    const measuredCalls = now.measuredCalls - last.measuredCalls;
    // A hooked target's wrapper is timed where it runs (wrap.ts, as OH counts
    // it): that, plus the calibrated parts it cannot time. Others: the
    // calibrated cost. A target is hooked or not: a window's calls are all
    // measured or none (`new` calls of a hookless target are not).
    const wrapperNs =
      measuredCalls > 0
        ? (now.wrapperMeasuredNs - last.wrapperMeasuredNs) / measuredCalls + unmeasuredPartNs(costs, asyncShare)
        : costs.recordSyncNs * (1 - asyncShare) + costs.recordAsyncNs * asyncShare;
    const recordedOverheadNs = wrapperNs + (now.overheadNs - last.overheadNs) / windowCalls;
    // Work per call of the short calls only: the few long ones of a tiny target
    // are the process being preempted (a loaded machine made an `x + 1` look like µs).
    const shortCalls = windowCalls - (now.longCalls - last.longCalls);
    const shortDurationNs = now.durationNs - last.durationNs - (now.longDurationNs - last.longDurationNs);
    const workNs = Math.max(1, shortDurationNs / Math.max(1, shortCalls) - costs.insideSpanNs);
    const sampleEvery = sw.sampleEvery ?? 1;
    const passNs = costs.passThroughNs;
    const budgetNs = (this.maxOverheadPct / 100) * workNs;
    // Average cost per call of the target as it is now: recorded calls carry the
    // full cost, skipped ones only the pass-through.
    const effectiveNs = recordedOverheadNs / sampleEvery + (sampleEvery > 1 ? passNs * (1 - 1 / sampleEvery) : 0);
    if (effectiveNs <= budgetNs) return;
    const pct = (effectiveNs / workNs) * 100;
    const measured = `wrapper overhead ${formatPct(pct)} of the measured work (${formatNs(recordedOverheadNs)} per recorded call, ${formatNs(workNs)} of work) > budget ${this.maxOverheadPct}%`;
    const roomNs = budgetNs - passNs;
    const needed = roomNs > 0 ? Math.ceil(recordedOverheadNs / roomNs) : Infinity;
    // From here on the calls it lets through are still timed, and any of
    // LONG_CALL_NS or more is recorded (wrap.ts, `watchLong`).
    if (needed > this.maxSampleEvery) {
      this.#instrumenter.setTargetEnabled(id, false);
      sw.watchLong = this.#instrumenter.enabled;
      this.#emit({
        target: id,
        action: 'disable',
        reason: `${measured}; sampling would need 1 in ${Number.isFinite(needed) ? needed : '∞'} (max ${this.maxSampleEvery})`,
        atNs: nowNs(),
      });
      return;
    }
    sw.sampleEvery = Math.max(needed, sampleEvery + 1);
    sw.sampleTick = 0;
    sw.watchLong = true;
    this.#emit({ target: id, action: 'sample', reason: measured, sampleEvery: sw.sampleEvery, atNs: nowNs() });
  }

  /**
   * What the budget did, for the root line of a report: targets sampled and
   * disabled now, the calls they let through unrecorded, and the calls of 100
   * µs or more recorded from those targets all the same.
   */
  summary(): Required<BudgetSummary> {
    let sampled = 0;
    let restored = 0;
    let disabled = 0;
    let skippedCalls = 0;
    let keptLongCalls = 0;
    const skippedByTarget: Record<string, number> = {};
    const keptLongByTarget: Record<string, number> = {};
    const add = (id: string, counts: CutCounts): void => {
      skippedCalls += counts.skipped;
      skippedByTarget[id] = (skippedByTarget[id] ?? 0) + counts.skipped;
      keptLongCalls += counts.keptLong;
      keptLongByTarget[id] = (keptLongByTarget[id] ?? 0) + counts.keptLong;
    };
    for (const [id, action] of this.#acted) {
      const sw = this.#instrumenter.targetSwitch(id);
      if (sw === undefined) continue;
      if (action === 'disable') disabled++;
      else sampled++;
      add(id, countsSince(sw, this.#countsWhenCut.get(id) ?? NOT_CUT));
    }
    for (const [id, counts] of this.#whileCut) {
      add(id, counts);
      if (!this.#acted.has(id)) restored++;
    }
    return { sampled, disabled, restored, skippedCalls, skippedByTarget, keptLongCalls, keptLongByTarget };
  }

  #emit(event: AdaptiveEvent): void {
    if (event.action !== 'restore') {
      this.#acted.set(event.target, event.action);
      const sw = this.#instrumenter.targetSwitch(event.target);
      if (sw !== undefined && !this.#countsWhenCut.has(event.target)) this.#countsWhenCut.set(event.target, countsSince(sw, NOT_CUT));
    }
    this.#events.push(event);
    if (this.#events.length > this.maxEvents) this.#events.splice(0, this.#events.length - this.maxEvents);
    for (const listener of this.#listeners) guarded('SS_ADAPTIVE_LISTENER_FAILED', 'an adaptive-event listener threw', () => listener(event));
  }
}

/** A target's pass-through calls and long calls kept by the watch (`TargetSwitch`), or the difference since a snapshot. */
interface CutCounts {
  skipped: number;
  keptLong: number;
}

const NOT_CUT: CutCounts = { skipped: 0, keptLong: 0 };

function countsSince(sw: TargetSwitch, from: CutCounts): CutCounts {
  return { skipped: (sw.passThroughCalls ?? 0) - from.skipped, keptLong: (sw.keptLongCalls ?? 0) - from.keptLong };
}

function formatPct(pct: number): string {
  return pct >= 100 ? `${pct.toFixed(0)}%` : `${pct.toFixed(2)}%`;
}

function formatNs(ns: number): string {
  return ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(0)} ns`;
}
