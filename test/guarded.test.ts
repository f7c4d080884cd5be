import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resetDiagnostics, takeDiagnostics } from '../src/core/diagnostics.js';
import { guarded, guardedAsync } from '../src/core/guarded.js';

// The one form of "try, report, carry on": stagescope's own failures become
// diagnostics with a stable message shape, and never reach the caller.

describe('guarded()', () => {
  it('returns what fn returns, and reports nothing', () => {
    resetDiagnostics();
    const value = { same: true };
    let built = 0;
    const what = (): string => `built ${++built}`;
    assert.equal(
      guarded('SS_HOOK_FAILED', what, () => value),
      value,
    );
    assert.equal(built, 0, 'a lazy message is built only when fn throws');
    assert.deepEqual(takeDiagnostics(), []);
  });

  it('on a throw: reports the code with "what: error" and the error, returns the fallback (undefined by default), never throws', () => {
    resetDiagnostics();
    const boom = new Error('boom');
    assert.equal(
      guarded('SS_LISTENER_FAILED', 'a span listener threw', () => {
        throw boom;
      }),
      undefined,
    );
    assert.equal(
      guarded(
        'SS_REACH_FAILED',
        () => 'workers and child processes will not be traced',
        () => {
          throw new TypeError('nope');
        },
        null,
      ),
      null,
    );
    // A thrown value String() cannot convert (null prototype) is still reported, and nothing throws.
    const odd: unknown = Object.create(null);
    assert.equal(
      guarded('SS_PROBE_FAILED', 'probe "x" failed', () => {
        throw odd;
      }),
      undefined,
    );
    assert.deepEqual(takeDiagnostics(), [
      { code: 'SS_LISTENER_FAILED', message: 'a span listener threw: Error: boom', error: boom },
      { code: 'SS_REACH_FAILED', message: 'workers and child processes will not be traced: TypeError: nope', error: new TypeError('nope') },
      { code: 'SS_PROBE_FAILED', message: 'probe "x" failed: a thrown value that cannot be shown as text', error: odd },
    ]);
  });

  it('guardedAsync: a rejection is reported and resolves to the fallback; a value passes through', async () => {
    resetDiagnostics();
    assert.equal(await guardedAsync('SS_PAGE_FAILED', 'the stagescope page failed', async () => 42), 42);
    assert.equal(await guardedAsync('SS_PAGE_FAILED', 'the stagescope page failed', () => Promise.reject(new Error('gone')), false), false);
    assert.equal(
      await guardedAsync('SS_METRICS_COLLECT_FAILED', 'collecting Prometheus metrics failed', () => {
        throw new Error('sync');
      }),
      undefined,
    );
    assert.deepEqual(
      takeDiagnostics().map(({ code, message }) => ({ code, message })),
      [
        { code: 'SS_PAGE_FAILED', message: 'the stagescope page failed: Error: gone' },
        { code: 'SS_METRICS_COLLECT_FAILED', message: 'collecting Prometheus metrics failed: Error: sync' },
      ],
    );
  });
});
