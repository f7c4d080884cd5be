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

  it('the wall-clock anchor is shared: both copies turn a reading into the same epoch time', async () => {
    const a = await copy('c');
    const b = await copy('d');
    const ns = a.nowNs();
    assert.equal(a.nsToWallMs(ns), b.nsToWallMs(ns));
  });
});
