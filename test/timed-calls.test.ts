import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tracer } from '../src/core/tracer.js';
import { noteTimedCall, TIMED_EVERY, TIMED_FIRST_CALLS, TIMED_WINDOW, timedCallsState, timeThisCall } from '../src/instrument/timed-calls.js';
import { switchTimesNs, wrapFunction, type TargetHook } from '../src/instrument/wrap.js';
import { wrapSpec } from './helpers.js';

/** Busy for at least `us` µs of wall time (the hook's cost, known from below). */
function spinUs(us: number): void {
  const until = performance.now() + us / 1e3;
  while (performance.now() < until);
}

describe('timed hooked calls (timed-calls.ts)', () => {
  it('times the first calls of a target until enough of them ended, then one in TIMED_EVERY', () => {
    const state = timedCallsState();
    // Calls in flight: the first ones keep being timed until TIMED_FIRST_CALLS of them have ended.
    const inFlight = Array.from({ length: TIMED_FIRST_CALLS + 10 }, () => timeThisCall(state));
    assert.ok(inFlight.every(Boolean), 'no timed call has ended yet: every call is timed');
    for (let i = 0; i < TIMED_FIRST_CALLS; i++) noteTimedCall(state, 1_000, 500);
    const next = Array.from({ length: 4 * TIMED_EVERY }, () => timeThisCall(state));
    assert.equal(next.filter(Boolean).length, 4);
  });

  it('estimates by the median of the recent timed calls: a cold start is left behind, an outlier never counts', () => {
    const state = timedCallsState();
    noteTimedCall(state, 100_000, 40_000); // a cold first call
    assert.deepEqual([state.wrapperEstimateNs, state.hooksEstimateNs], [100_000, 40_000]);
    for (let i = 0; i < 3; i++) noteTimedCall(state, 10_000, 2_000);
    // Four ended, the lower middle: a warm call.
    assert.deepEqual([state.wrapperEstimateNs, state.hooksEstimateNs], [10_000, 2_000]);
    for (let i = 0; i < 20; i++) noteTimedCall(state, 10_000 + (i % 3), 2_000);
    // A timed call that held a preemption of the process (1 ms in its hook part), then more usual calls.
    noteTimedCall(state, 11_000, 1_000_000);
    assert.ok(
      state.wrapperEstimateNs <= 10_002 && state.hooksEstimateNs === 2_000,
      `estimate after an outlier ${state.wrapperEstimateNs}+${state.hooksEstimateNs}`,
    );
    // An exponential average over ~8 calls would still count ~110 µs of it here.
    for (let i = 0; i < 3; i++) noteTimedCall(state, 10_001, 2_000);
    assert.deepEqual([state.wrapperEstimateNs, state.hooksEstimateNs], [10_001, 2_000]);
  });

  it('follows a lasting change within TIMED_WINDOW timed calls, with the wrapper and hook parts of one call', () => {
    const state = timedCallsState();
    for (let i = 0; i < TIMED_WINDOW; i++) noteTimedCall(state, 10_000, 2_000);
    // Labels got dearer (a new input shape each call): the hooks part grows, the wrapper part shrinks a little.
    for (let i = 0; i < TIMED_WINDOW >> 1; i++) noteTimedCall(state, 9_000, 8_000);
    assert.deepEqual([state.wrapperEstimateNs, state.hooksEstimateNs], [10_000, 2_000], 'fewer than half the window changed');
    noteTimedCall(state, 9_000, 8_000);
    assert.deepEqual([state.wrapperEstimateNs, state.hooksEstimateNs], [9_000, 8_000], 'more than half the window changed');
  });

  it("counts every call of a hooked target in OH: untimed calls at what the target's timed calls cost", async () => {
    const HOOK_US = 200;
    const tracer = new Tracer();
    const root = tracer.startSpan('root', { parent: null, probes: false });
    const hook: TargetHook = { onStart: () => spinUs(HOOK_US) };
    const spec = wrapSpec('hooked', { hook });
    const fn = wrapFunction(async (x: number) => x + 1, spec, tracer);
    const CALLS = TIMED_FIRST_CALLS + 10 * TIMED_EVERY;
    await tracer.withSpan(root, async () => {
      for (let i = 0; i < CALLS; i++) assert.equal(await fn(i), i + 1);
    });
    const trace = root.trace;
    // Every call counts as measured (timed or estimated), and all are in the span tree.
    assert.equal(trace.wrappedCalls, CALLS);
    assert.deepEqual([trace.measuredCalls, trace.measuredAsyncCalls], [CALLS, CALLS]);
    assert.equal(tracer.recorder.spans().filter((span) => span.name === 'hooked').length, CALLS);
    // Timed: the first TIMED_FIRST_CALLS, then one in TIMED_EVERY.
    assert.equal(trace.timedCalls, TIMED_FIRST_CALLS + 10);
    assert.equal(spec.switch.timing?.timedCalls, TIMED_FIRST_CALLS + 10);
    // Each call's hook took at least HOOK_US: the untimed ones count the timed ones' average.
    assert.ok(trace.overheadNs >= CALLS * HOOK_US * 1e3, `overheadNs ${trace.overheadNs} < ${CALLS} × ${HOOK_US} µs`);
    assert.ok(trace.wrapperMeasuredNs > 0);
    // The budget reads the same totals from the target's switch.
    assert.equal(spec.switch.measuredCalls, CALLS);
    assert.ok(Math.abs(switchTimesNs(spec.switch).wrapperMeasuredNs - trace.wrapperMeasuredNs) < 1, 'the switch has the trace’s wrapper time');
    assert.ok(Math.abs(switchTimesNs(spec.switch).overheadNs - trace.overheadNs) < 1, 'the switch has the trace’s hook time');
  });

  it('runs every hook edge on untimed calls: only the clock readings around them are left out', async () => {
    const tracer = new Tracer();
    const edges = { onStart: 0, afterCall: 0, onEnd: 0 };
    const hook: TargetHook = {
      onStart: () => void edges.onStart++,
      afterCall: () => void edges.afterCall++,
      onEnd: (call) => {
        edges.onEnd++;
        call.span.setAttribute('result', call.result as number);
      },
    };
    const fn = wrapFunction(async (x: number) => x * 2, wrapSpec('edges', { hook }), tracer);
    const CALLS = TIMED_FIRST_CALLS + 3 * TIMED_EVERY + 5;
    for (let i = 0; i < CALLS; i++) await fn(i);
    assert.deepEqual(edges, { onStart: CALLS, afterCall: CALLS, onEnd: CALLS });
    const results = tracer.recorder
      .spans()
      .filter((span) => span.name === 'edges')
      .map((span) => span.attributes?.result);
    assert.deepEqual(
      results,
      Array.from({ length: CALLS }, (_, i) => i * 2),
    );
  });
});
