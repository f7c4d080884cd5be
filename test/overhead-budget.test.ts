import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Instrumenter } from '../src/instrument/instrumenter.js';
import { MODEL_SIZED_SHARE, OverheadBudget } from '../src/instrument/overhead-budget.js';
import { BUDGET_CHECK_EVERY, countedSwitch, type CountedSwitch } from '../src/instrument/wrap.js';

/** A window's counts, and its time sums (the switch keeps them in `times`). */
type Accounting = Partial<CountedSwitch> & { durationNs?: number; longDurationNs?: number; overheadNs?: number; wrapperMeasuredNs?: number };

/**
 * The budget's decision from one window of a target's accounting, without
 * timing anything: the switch's counters are set as a window of calls would
 * leave them, and the check the wrapper runs every BUDGET_CHECK_EVERY calls is
 * called. The instrumenter is the few members the budget uses.
 */
function decide(accounting: Accounting): { sw: CountedSwitch; budget: OverheadBudget } {
  const id = 'lib#target';
  const sw = countedSwitch({ enabled: true });
  const instrumenter = {
    targets: [{ id }],
    enabled: true,
    targetSwitch: (target: string) => (target === id ? sw : undefined),
    setTargetEnabled: (_target: string, enabled: boolean) => {
      sw.enabled = enabled;
      return true;
    },
  } as unknown as Instrumenter;
  const budget = new OverheadBudget(instrumenter).attach();
  const { durationNs = 0, longDurationNs = 0, overheadNs = 0, wrapperMeasuredNs = 0, ...counts } = accounting;
  Object.assign(sw, { calls: BUDGET_CHECK_EVERY, ...counts });
  Object.assign(sw.times, { durationNs, longDurationNs, overheadNs, wrapperMeasuredNs });
  sw.onCheck?.(sw);
  return { sw, budget };
}

describe('overhead budget: what a recorded call costs', () => {
  // 50 µs of work a call: short enough for the budget to act (calls of 100 µs or more are never cut).
  const work = { durationNs: BUDGET_CHECK_EVERY * 50_000 };

  it('a hookless target is judged at the calibrated cost (a few hundred ns: under 1% of 50 µs)', () => {
    const { budget, sw } = decide(work);
    assert.deepEqual(budget.events, []);
    assert.equal(sw.sampleEvery, 1);
    // The same check on 10 µs of work a call: the calibrated cost is over 1% of that.
    const short = decide({ durationNs: BUDGET_CHECK_EVERY * 10_000 });
    assert.equal(short.budget.events[0]?.action, 'sample', 'the check ran');
  });

  it('a hooked target is judged by its wrapper time measured where it ran, as OH counts it', () => {
    // 2 µs a call, as on cold caches after native work: 4% of the work.
    const slow = decide({ ...work, measuredCalls: BUDGET_CHECK_EVERY, wrapperMeasuredNs: BUDGET_CHECK_EVERY * 2_000 });
    assert.equal(slow.budget.events.length, 1);
    assert.equal(slow.budget.events[0]?.action, 'sample');
    assert.match(slow.budget.events[0]?.reason ?? '', /wrapper overhead 4\.\d\d% of the measured work \(2\.\d\d µs per recorded call/);
    assert.ok(slow.sw.sampleEvery > 1, `sampleEvery ${slow.sw.sampleEvery}`);
    // 100 ns a call, measured: under budget, as a warm wrapper is.
    const fast = decide({ ...work, measuredCalls: BUDGET_CHECK_EVERY, wrapperMeasuredNs: BUDGET_CHECK_EVERY * 100 });
    assert.deepEqual(fast.budget.events, []);
  });
});

describe('overhead budget: model-sized targets', () => {
  // 3 µs of work a call: the calibrated cost is far over the default 1%.
  const tinyNs = 3_000;
  /** A window of tiny calls of which `long` were stretched to 4 ms (a scheduler tick) or took 4 ms of work. */
  const windowWithLong = (long: number): Accounting => ({
    longCalls: long,
    longDurationNs: long * 4_000_000,
    durationNs: (BUDGET_CHECK_EVERY - long) * tinyNs + long * 4_000_000,
  });

  it('cuts a tiny target whose long calls are pauses of the process (55 of 1,024, as read beside three busy loops)', () => {
    const { budget } = decide(windowWithLong(55));
    assert.equal(budget.events.length, 1);
    assert.match(budget.events[0]?.action ?? '', /^(sample|disable)$/);
  });

  it(`leaves a target alone when ${MODEL_SIZED_SHARE * 100}% of its calls take 100 µs or more, and judges it again below that`, () => {
    const spared = decide(windowWithLong(Math.ceil(MODEL_SIZED_SHARE * BUDGET_CHECK_EVERY)));
    assert.deepEqual(spared.budget.events, []);
    assert.equal(spared.sw.sampleEvery, 1);
    const below = decide(windowWithLong(Math.ceil(MODEL_SIZED_SHARE * BUDGET_CHECK_EVERY) - 1));
    assert.equal(below.budget.events.length, 1);
  });
});

describe('overhead budget: the calls it skipped', () => {
  // 10 µs of work a call: the calibrated cost is over the default 1%, so the first check samples the target.
  const cheap = { durationNs: BUDGET_CHECK_EVERY * 10_000 };

  it('counts only the calls skipped since it acted, and keeps them after the target is restored', () => {
    // 7 calls went through before the budget acted (stagescope's own code running): not the budget's.
    const { budget, sw } = decide({ ...cheap, passThroughCalls: 7 });
    assert.equal(budget.events[0]?.action, 'sample');
    sw.passThroughCalls += 900;
    sw.keptLongCalls += 2;
    assert.deepEqual(pick(budget.summary()), { sampled: 1, disabled: 0, restored: 0, skippedCalls: 900, keptLongCalls: 2 });

    assert.equal(budget.restore('lib#target'), true);
    assert.equal(sw.sampleEvery, 1);
    // The 900 calls were not recorded: the summary keeps them (the root line counts the target as restored).
    assert.deepEqual(pick(budget.summary()), { sampled: 0, disabled: 0, restored: 1, skippedCalls: 900, keptLongCalls: 2 });
    assert.deepEqual(budget.summary().skippedByTarget, { 'lib#target': 900 });

    // Calls that go through after the restore (suppressed ones) are not the budget's either.
    sw.passThroughCalls += 5;
    // Cut again at the next check: counted from there, added to the earlier ones.
    sw.calls += BUDGET_CHECK_EVERY;
    sw.times.durationNs += BUDGET_CHECK_EVERY * 10_000;
    sw.onCheck?.(sw);
    assert.equal(budget.events.at(-1)?.action, 'sample');
    sw.passThroughCalls += 100;
    assert.deepEqual(pick(budget.summary()), { sampled: 1, disabled: 0, restored: 0, skippedCalls: 1000, keptLongCalls: 2 });
    assert.deepEqual(budget.summary().skippedByTarget, { 'lib#target': 1000 });
  });
});

function pick(summary: ReturnType<OverheadBudget['summary']>): Record<string, number> {
  const { sampled, disabled, restored, skippedCalls, keptLongCalls } = summary;
  return { sampled, disabled, restored, skippedCalls, keptLongCalls };
}
