/**
 * Which calls of a hooked target are timed where they run, and what the others
 * count for.
 *
 * A hooked target's call (a model run, an image pipeline) is timed in its parts
 * (wrap.ts `hookedCall`): the wrapper's work before the span's start reading,
 * from the call's return to the wrapper's, and after the end reading; and each
 * hook edge. That takes eight clock readings besides the span's two. Such calls
 * come after the main thread waited for a native thread or ran native code for
 * a millisecond, and there a reading is not the 50 ns it is in a tight loop:
 * the first one after a sharp call took 3.5–3.8 µs and each next one 0.2–0.6 µs
 * (Node 22 and 24, 600 calls, 2 shared cores, 2026-11-28). Timing every call
 * cost 2.3 µs of a cls `run`'s wrapper time and 5.5 µs of a sharp resize's
 * (in-process marks around the wrapper, four runs each, Node 22).
 *
 * So a target's calls are timed until `TIMED_FIRST_CALLS` of them have ended
 * (its first calls, the costliest: cold code, first labels), then one in
 * `TIMED_EVERY`. A call that is not timed counts, in OH and in the budget's
 * view, what the target's timed calls cost lately: the median of the last
 * `TIMED_WINDOW` of them (its wrapper and hook parts as that call had them).
 * A median, not a mean: a timed call now and then holds a preemption of the
 * process or a collection (a 2-core VM), and an average carried that into
 * every call after it. In the paired model loop (bench:cost row 8, Node 24)
 * a sharp pipeline's timed calls after the first 64 had a median of 33 µs and
 * a mean of 48, and the exponential average this replaced stood at 42 µs when
 * the loop ended. Timed calls carry their own extra readings, so the estimate
 * still leans high by about what the readings cost (0.3–4 µs a call on this VM).
 */

/** Calls of a target timed in full before sampling starts (counted when they end). */
export const TIMED_FIRST_CALLS = 64;

/** After those, one call of a target in this many is timed (a power of two). */
export const TIMED_EVERY = 16;

/** Timed calls whose median an untimed call counts (odd: one middle call). */
export const TIMED_WINDOW = 9;

/** What this file keeps per target (the target switch's `timing`, see wrap.ts `TargetSwitch`). */
export interface TimedCallsState {
  /** Hooked calls started (the sampling counter). */
  hookedCalls: number;
  /** Timed calls that ended. */
  timedCalls: number;
  /** The wrapper time of the median call of the last `TIMED_WINDOW` timed calls, ns. */
  wrapperEstimateNs: number;
  /** That call's hook time (all edges), ns. */
  hooksEstimateNs: number;
  /** The last `TIMED_WINDOW` timed calls: wrapper ns at even indexes, hooks ns after each (a ring, by `timedCalls`). */
  recentNs: Float64Array;
}

/**
 * A new target's state. Its estimates are doubles from the start: a field that
 * starts as a small integer changes representation, and with it the object's
 * map, at its first fractional value, and a wrapper being optimised at that
 * moment loses its compile (core/span.ts, DOUBLE_FIELD). They are kept in an
 * object of their own, not on the switch, whose fields the hookless call path
 * reads: double fields there made a tiny traced call 36–53 ns dearer (10
 * interleaved pairs each, Node 22 and 24).
 */
export function timedCallsState(): TimedCallsState {
  const state: TimedCallsState = {
    hookedCalls: 0,
    timedCalls: 0,
    wrapperEstimateNs: DOUBLE_FIELD,
    hooksEstimateNs: DOUBLE_FIELD,
    recentNs: new Float64Array(2 * TIMED_WINDOW),
  };
  state.wrapperEstimateNs = 0;
  state.hooksEstimateNs = 0;
  return state;
}

/** A first value that is not a small integer (see `timedCallsState`), replaced by 0 at once. */
const DOUBLE_FIELD = 0.5;

/** Whether the hooked call starting now is timed; counts it. */
export function timeThisCall(state: TimedCallsState): boolean {
  const index = state.hookedCalls++;
  return state.timedCalls < TIMED_FIRST_CALLS || (index & (TIMED_EVERY - 1)) === 0;
}

/**
 * A timed call ended: it joins the target's last `TIMED_WINDOW` timed calls,
 * and the estimates become the wrapper and hook time of the call in the middle
 * of those by total (the lower middle while fewer have ended). Runs on timed
 * calls only (one in `TIMED_EVERY`): a few dozen comparisons, no allocation.
 */
export function noteTimedCall(state: TimedCallsState, wrapperNs: number, hooksNs: number): void {
  const recent = state.recentNs;
  const slot = 2 * (state.timedCalls % TIMED_WINDOW);
  recent[slot] = wrapperNs;
  recent[slot + 1] = hooksNs;
  const filled = Math.min(++state.timedCalls, TIMED_WINDOW);
  const middle = (filled - 1) >> 1;
  // The call with exactly `middle` calls cheaper than it (ties broken by position).
  for (let i = 0; i < filled; i++) {
    const total = recent[2 * i]! + recent[2 * i + 1]!;
    let below = 0;
    for (let j = 0; j < filled; j++) {
      const other = recent[2 * j]! + recent[2 * j + 1]!;
      if (other < total || (other === total && j < i)) below++;
    }
    if (below === middle) {
      state.wrapperEstimateNs = recent[2 * i]!;
      state.hooksEstimateNs = recent[2 * i + 1]!;
      return;
    }
  }
}
