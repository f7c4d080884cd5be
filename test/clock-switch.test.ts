import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { takeFastClockSwitchNs } from '../src/core/clock.js';
import { Tracer } from '../src/core/tracer.js';
import { BUDGET_CHECK_EVERY, FAST_CLOCK_AFTER_CALLS, wrapFunction, type TargetSwitch } from '../src/instrument/wrap.js';
import { wrapSpec } from './helpers.js';

/** Set on the shared clock anchor by the copy that switched (core/clock.ts). */
function switched(): boolean {
  const anchor = (globalThis as Record<symbol, { fastOffsetMs?: number } | undefined>)[Symbol.for('stagescope.clock-anchor.v2')];
  return anchor?.fastOffsetMs !== undefined;
}

// Its own file: the switch is once per process, and node --test runs each file in a process of its own.
describe('the clock switch and the budget checks', () => {
  it(`the clock switches at a target's ${FAST_CLOCK_AFTER_CALLS}th ended call, the budget checks every ${BUDGET_CHECK_EVERY}th`, () => {
    assert.equal(switched(), false, 'nothing in this process switched the clock before');
    const tracer = new Tracer();
    let checks = 0;
    const sw: TargetSwitch = { enabled: true, onCheck: () => void checks++ };
    const add = wrapFunction((x: number) => x + 1, wrapSpec('add', { switch: sw }), tracer);
    for (let i = 1; i < FAST_CLOCK_AFTER_CALLS; i++) add(i);
    assert.equal(switched(), false, `switched before the ${FAST_CLOCK_AFTER_CALLS}th call`);
    add(0);
    assert.equal(switched(), true);
    assert.ok(takeFastClockSwitchNs() > 0, 'the switch is measured, for OH');
    assert.equal(takeFastClockSwitchNs(), 0, 'and counted once');
    assert.equal(checks, 0, 'the switch is not a budget check');
    for (let i = FAST_CLOCK_AFTER_CALLS + 1; i < BUDGET_CHECK_EVERY; i++) add(i);
    assert.equal(checks, 0);
    add(0);
    assert.equal(checks, 1, `checked at the ${BUDGET_CHECK_EVERY}th call`);
    for (let i = 1; i <= BUDGET_CHECK_EVERY; i++) add(i);
    assert.equal(checks, 2);
    assert.equal(sw.calls, 2 * BUDGET_CHECK_EVERY);
  });
});
