import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

/**
 * A span's time fields keep one representation for the life of the process
 * (core/span.ts, DOUBLE_FIELD). Before, `endNs` was a small-integer field until
 * a reading passed 2^31 ns (2.15 s after stagescope loaded); that reading
 * changed every span's map, and wrapped calls on Node 22 stayed about three
 * times slower from then on. Pinned with V8's own map check, in a child process
 * (`--allow-natives-syntax` is not for the test runner's process).
 */
describe('span time fields', () => {
  it('a span started 2.15 s after load has the same map as one started at once', () => {
    const spanModule = new URL('../src/core/span.js', import.meta.url).href;
    const script = `
      const { Span, Trace } = await import(${JSON.stringify(spanModule)});
      const trace = new Trace(0);
      const early = new Span(trace, null, 'early', null, null, 5);
      early.endNs = 7;
      const late = new Span(trace, null, 'late', null, null, 2 ** 31 + 5);
      late.endNs = 2 ** 31 + 9;
      const again = new Span(trace, null, 'again', null, null, 11);
      console.log(JSON.stringify({ lateSame: %HaveSameMap(early, late), againSame: %HaveSameMap(late, again), endNs: again.endNs }));
    `;
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), { lateSame: true, againSame: true, endNs: -1 });
  });
});
