import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

/**
 * Timing a hooked target's calls never changes the map of its switch, nor of
 * its timing state (instrument/timed-calls.ts, `timedCallsState`): the
 * running averages are double fields from the start, in an object of their
 * own. A field that starts as a small integer changes representation at its
 * first fractional value, and with it the object's map; a wrapper that V8 was
 * optimising at that moment lost its compile. Pinned with V8's own map check,
 * in a child process (`--allow-natives-syntax` is not for the test runner's).
 */
describe('target switch fields', () => {
  it('a target whose timed calls recorded fractional costs keeps the maps of a fresh one', () => {
    const wrapModule = new URL('../src/instrument/wrap.js', import.meta.url).href;
    const timedModule = new URL('../src/instrument/timed-calls.js', import.meta.url).href;
    const script = `
      const { countedSwitch } = await import(${JSON.stringify(wrapModule)});
      const { noteTimedCall } = await import(${JSON.stringify(timedModule)});
      const fresh = countedSwitch({ enabled: true });
      const busy = countedSwitch({ enabled: true });
      noteTimedCall(busy.timing, 12345.5, 678.25);
      noteTimedCall(busy.timing, 11000.75, 700.5);
      const later = countedSwitch({ enabled: true });
      console.log(JSON.stringify({
        switchSame: %HaveSameMap(fresh, busy),
        timingSame: %HaveSameMap(fresh.timing, busy.timing),
        laterTimingSame: %HaveSameMap(later.timing, busy.timing),
        fresh: [fresh.timing.wrapperEstimateNs, fresh.timing.hooksEstimateNs],
      }));
    `;
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), { switchSame: true, timingSame: true, laterTimingSame: true, fresh: [0, 0] });
  });
});
