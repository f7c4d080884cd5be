import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as clock from '../src/core/clock.js';

/**
 * stagescope's clock (core/clock.ts) reads `process.hrtime()` until the first
 * target is patched, then `performance.now()` moved into hrtime's domain. A
 * process can hold two copies of the module (the `--import` runtime and the
 * script's own `import 'stagescope'`); a span started by one and ended by the
 * other must be timed on one clock. Each copy is loaded here as a module of its
 * own (a query string makes a new module instance), sharing the anchor on
 * globalThis as real copies do.
 */
type Clock = typeof clock;

async function copy(name: string): Promise<Clock> {
  return (await import(`../src/core/clock.js?copy=${name}`)) as Clock;
}

describe('clock', () => {
  it('two copies of the clock never read backwards against each other, before and after one switches to the fast reading', async () => {
    const a = await copy('a');
    const b = await copy('b');
    const readings: number[] = [];
    for (let i = 0; i < 2_000; i++) readings.push(a.nowNs(), b.nowNs());
    a.useFastClock(); // only copy a switches; b must follow at its next reading
    for (let i = 0; i < 20_000; i++) readings.push(a.nowNs(), b.nowNs(), b.nowNs(), a.nowNs());
    for (let i = 1; i < readings.length; i++) {
      assert.ok(readings[i]! >= readings[i - 1]!, `reading ${i} (${readings[i]}) is before reading ${i - 1} (${readings[i - 1]})`);
    }
  });

  it('readings are never small integers: the first is above 2^31 ns, and they still convert to wall-clock time', async () => {
    // Why (core/clock.ts, BELOW_SMI_OFFSET_MS): optimised code that had seen
    // only small integers was thrown back to the interpreter when readings
    // passed 2^31 ns, 2.15 s after load.
    const a = await copy('e');
    const ns = a.nowNs();
    assert.ok(ns >= 2 ** 31, `reading ${ns}`);
    assert.ok(Number.isInteger(ns));
    const wallMs = Date.now();
    assert.ok(Math.abs(a.nsToWallMs(ns) - wallMs) < 1_000, `nsToWallMs ${a.nsToWallMs(ns)} against Date.now() ${wallMs}`);
    assert.ok(Math.abs(a.wallMsToNs(a.nsToWallMs(ns)) - ns) < 1_000, 'wallMsToNs inverts nsToWallMs (to 1 µs)');
    const epochNs = a.nsToEpochNs(ns);
    assert.ok(Math.abs(Number(epochNs / 1_000n) / 1e3 - a.nsToWallMs(ns)) < 0.01, `nsToEpochNs ${epochNs} agrees with nsToWallMs`);
  });

  it('the wall-clock anchor is shared: both copies turn a reading into the same epoch time', async () => {
    const a = await copy('c');
    const b = await copy('d');
    const ns = a.nowNs();
    assert.equal(a.nsToWallMs(ns), b.nsToWallMs(ns));
  });
});
