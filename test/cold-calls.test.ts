import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tracer } from '../src/core/tracer.js';
import { COLD_CALLS, coldCallsLeft, wrapFunction } from '../src/instrument/wrap.js';
import { wrapSpec } from './helpers.js';

// Its own file: the count is per process, and node --test runs each file in a process of its own.
describe("a process's first hookless calls", () => {
  it(`are timed where they run, the first ${COLD_CALLS} calls and ends, sync, async and throwing; later calls are not`, async () => {
    assert.equal(coldCallsLeft(), COLD_CALLS, 'nothing in this process called a hookless wrapper before');
    const tracer = new Tracer();
    const root = tracer.startSpan('root', { parent: null, probes: false });
    const sync = wrapFunction((x: number) => x + 1, wrapSpec('sync'), tracer);
    const async = wrapFunction(async (x: number) => x + 1, wrapSpec('async'), tracer);
    const throws = wrapFunction(
      () => {
        throw new Error('boom');
      },
      wrapSpec('throws'),
      tracer,
    );
    const trace = root.trace;
    await tracer.withSpan(root, async () => {
      let x = 0;
      for (let i = 0; i < 500; i++) x = sync(x);
      for (let i = 0; i < 500; i++) x = await async(x);
      for (let i = 0; i < 10; i++) assert.throws(() => throws(), /boom/);
      assert.equal(x, 1000);
      assert.equal(trace.measuredCalls, 1010);
      assert.equal(trace.measuredAsyncCalls, 500);
      const measuredNs = trace.wrapperMeasuredNs;
      assert.ok(measuredNs > 0, 'the wrapper time of cold calls was measured');
      // 14 more cold calls (the last of them), then warm ones: counted, not timed.
      for (let i = 0; i < 14; i++) x = await async(x);
      assert.equal(coldCallsLeft(), 0);
      const coldNs = trace.wrapperMeasuredNs;
      assert.ok(coldNs > measuredNs);
      for (let i = 0; i < 2000; i++) x = await async(x);
      for (let i = 0; i < 2000; i++) x = sync(x);
      assert.equal(trace.measuredCalls, COLD_CALLS);
      assert.equal(trace.measuredAsyncCalls, 514);
      assert.equal(trace.wrapperMeasuredNs, coldNs, 'warm calls add no measured time');
    });
    assert.equal(trace.wrappedCalls, 5024);
    assert.equal(trace.asyncCalls, 2514);
    // The ends were timed too: every span of the cold calls ended and is recorded.
    const spans = tracer.recorder.spans().filter((span) => span !== root);
    assert.equal(spans.length, 5024);
    assert.equal(spans.filter((span) => span.status === 'error').length, 10);
    assert.ok(spans.every((span) => span.endNs >= span.startNs));
  });
});
