import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tracer } from '../src/core/tracer.js';
import { COLD_CALLS, coldCallsLeft, wrapFunction } from '../src/instrument/wrap.js';
import { slowThenPromise, wrapSpec } from './helpers.js';

// Its own file: the count is per process, and node --test runs each file in a process of its own.
describe("a process's first hookless calls", () => {
  it(`are timed where they run, the first ${COLD_CALLS} calls and ends, sync, async and throwing; later calls are not`, async () => {
    assert.equal(coldCallsLeft(), COLD_CALLS, 'nothing in this process called a hookless wrapper before');

    // The probes' time is not the wrapper's: a probe that spins SPIN_MS at both
    // edges of four cold calls would put 8 × SPIN_MS into the measured time.
    // Far above what these four take of their own as the process's first calls
    // (0.8–1.1 ms under `node --test`, four files at once, Node 20 and 22).
    const SPIN_MS = 20;
    const spin = (): void => {
      const until = performance.now() + SPIN_MS;
      while (performance.now() < until);
    };
    const probed = new Tracer({ probes: [{ name: 'slow', start: spin, end: spin }] });
    const probedRoot = probed.startSpan('root', { parent: null, probes: false });
    const probedSync = wrapFunction((x: number) => x + 1, wrapSpec('probedSync'), probed);
    const probedAsync = wrapFunction(async (x: number) => x + 1, wrapSpec('probedAsync'), probed);
    await probed.withSpan(probedRoot, async () => {
      probedSync(0);
      probedSync(0);
      await probedAsync(0);
      await probedAsync(0);
    });
    assert.equal(probedRoot.trace.measuredCalls, 4);
    assert.equal(probedRoot.trace.measuredAsyncCalls, 2);
    assert.ok(probedRoot.trace.overheadNs >= 8 * SPIN_MS * 1e6, 'the probes ran, and count as probes');
    assert.ok(probedRoot.trace.wrapperMeasuredNs < SPIN_MS * 1e6, `wrapperMeasuredNs ${probedRoot.trace.wrapperMeasuredNs} holds probe time`);

    // What a cold async call does after its promise returns (registering the
    // reactions that end its span, switching back) is the wrapper's time: a
    // promise whose `then` spins SPIN_MS puts it there, once per call.
    const SlowThen = slowThenPromise(spin);
    const slow = new Tracer();
    const slowRoot = slow.startSpan('root', { parent: null, probes: false });
    const slowAsync = wrapFunction((x: number) => SlowThen.resolve(x + 1), wrapSpec('slowThen'), slow);
    await slow.withSpan(slowRoot, async () => {
      assert.equal(await slowAsync(0), 1);
      assert.equal(await slowAsync(1), 2);
    });
    assert.deepEqual([slowRoot.trace.measuredCalls, slowRoot.trace.measuredAsyncCalls], [2, 2]);
    assert.ok(slowRoot.trace.wrapperMeasuredNs >= 2 * SPIN_MS * 1e6, `wrapperMeasuredNs ${slowRoot.trace.wrapperMeasuredNs} misses the return part`);

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
      // 8 more cold calls (the last of them), then warm ones: counted, not timed.
      for (let i = 0; i < 8; i++) x = await async(x);
      assert.equal(coldCallsLeft(), 0);
      const coldNs = trace.wrapperMeasuredNs;
      assert.ok(coldNs > measuredNs);
      for (let i = 0; i < 2000; i++) x = await async(x);
      for (let i = 0; i < 2000; i++) x = sync(x);
      assert.equal(trace.measuredCalls, COLD_CALLS - 6);
      assert.equal(trace.measuredAsyncCalls, 508);
      assert.equal(trace.wrapperMeasuredNs, coldNs, 'warm calls add no measured time');
    });
    assert.equal(trace.wrappedCalls, 5018);
    assert.equal(trace.asyncCalls, 2508);
    // The ends were timed too: every span of the cold calls ended and is recorded.
    const spans = tracer.recorder.spans().filter((span) => span !== root);
    assert.equal(spans.length, 5018);
    assert.equal(spans.filter((span) => span.status === 'error').length, 10);
    assert.ok(spans.every((span) => span.endNs >= span.startNs));
  });
});
