import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

/**
 * The wrapper's code stays optimised once V8 has optimised it: nothing
 * stagescope does at a fixed point of a run throws it back to the
 * interpreter. Three such points did (V8's `--trace-deopt`, Node 22 and 24):
 * the clock switch at a target's 1,024th call (the reading function was
 * swapped: "wrong call target" in `hookedCall` and `nowNs`), the budget's
 * first check at the same call (a call never made before: "Insufficient type
 * feedback for call" in `account`), and the clock's readings passing 2^31 ns
 * 2.15 s after load ("not a Smi" in `hookedCall` and `endHookedCall`). After
 * each, a model loop ran ~1,000 calls unoptimised (docs/overhead.md, M13).
 * A fourth showed on a loaded CI machine: the process's 1,025th hookless end,
 * the first not timed as cold, called a function the optimised end handlers
 * had never called (`ok`, `endAfterReturn`: "Insufficient type feedback for
 * call").
 *
 * Pinned in a child process with `--trace-deopt`, whose lines name the
 * function thrown back: hooked, hookless and sync targets, 6,000 calls each
 * across those points (the 16th call, where the clock now switches, and
 * the 1,024th, 2,048th, … budget checks), then past 2.15 s, then 6,000 more.
 */
const HOT_FUNCTIONS = [
  'wrapped',
  'hookedCall',
  'endHookedCall',
  'account',
  'periodicCheck',
  'endCall',
  'endAfterReturn',
  'endWhenSettled',
  'ok',
  // Not `nowNs` and `readMs` themselves: whether TurboFan (Node 20, 22)
  // compiles that small function before the switch, in this child that
  // reads the clock ~10 times a loop, is a race (a CI run under load lost
  // it once: "deoptimised: nowNs"), and it is hot enough to be compiled
  // again within a few hundred readings. What cost ~1,000 calls was the
  // wrapper's large functions that inline it, and they are listed.
  'openSpanFast',
  'stampStart',
  'endSpan',
  'commit',
];

/**
 * Runs `body` in a child with `--trace-deopt`, after a preamble that gives it
 * `wrapFunction`, a `tracer` and `spec(name, hook)`; returns what it printed.
 */
function runWithTraceDeopt(body: string): string {
  const wrapModule = new URL('../src/instrument/wrap.js', import.meta.url).href;
  const tracerModule = new URL('../src/core/tracer.js', import.meta.url).href;
  const script = `
    const { wrapFunction } = await import(${JSON.stringify(wrapModule)});
    const { Tracer } = await import(${JSON.stringify(tracerModule)});
    const tracer = new Tracer({ maxSpans: 65_536 });
    const spec = (name, hook) => ({ name, stage: null, target: 'app#' + name, record: true, callback: false, hook, onResult: undefined, switch: { enabled: true, onCheck: () => {} } });
    ${body}
  `;
  return execFileSync(process.execPath, ['--trace-deopt', '--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** Fails naming each of the wrapper's functions V8 threw back (whose reason `reason` matches). */
function assertStayedOptimised(out: string, reason: RegExp = /./): void {
  const thrownBack = out
    .split('\n')
    .filter((line) => line.includes('bailout'))
    .map((line) => ({ name: /<JSFunction ([\w#]+)/.exec(line)?.[1], reason: /reason: ([^)]*)\)/.exec(line)?.[1] ?? '?' }))
    .filter((bailout) => bailout.name !== undefined && HOT_FUNCTIONS.includes(bailout.name) && reason.test(bailout.reason));
  assert.deepEqual(
    thrownBack.map((bailout) => bailout.name),
    [],
    `deoptimised: ${thrownBack.map((bailout) => `${bailout.name} (${bailout.reason})`).join(', ')}`,
  );
}

describe('the wrapper stays optimised', () => {
  it('no deoptimisation of its functions across the clock switch, the budget checks and the 2^31 ns crossing', () => {
    const out = runWithTraceDeopt(`
      const loadedMs = performance.now();
      const hook = { onStart(call) { call.span.setAttribute('n', 1); }, onEnd(call) { call.span.setAttribute('ok', !call.failed); } };
      const hooked = wrapFunction(async (x) => x + 1, spec('hooked', hook), tracer);
      const hookless = wrapFunction(async (x) => x + 1, spec('hookless', undefined), tracer);
      const sync = wrapFunction((x) => x + 1, spec('sync', undefined), tracer);
      const root = tracer.startSpan('root');
      const loop = async () => {
        let sum = 0;
        for (let i = 0; i < 6000; i++) sum += (await hooked(i)) + (await hookless(i)) + sync(i);
        return sum;
      };
      await tracer.withSpan(root, loop);
      console.log('@crossing');
      // Past 2^31 ns since load (2.15 s), while the wrapper is optimised.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 2300 - (performance.now() - loadedMs))));
      await tracer.withSpan(root, loop);
      console.log('@done', root.trace.wrappedCalls);
    `);
    assert.match(out, /@done 36000/, 'the child ran every call');
    assertStayedOptimised(out);
  });

  it('a target that gets hot after another meets no new map: its switch, its hook and its spec have the shapes the optimised code knows', () => {
    // Before: a loop of model runs, then sharp calls (bench:cost's model loop)
    // threw `wrapped`, `hookedCall` and `endHookedCall` back ("wrong map"): the
    // later target's switch still had the map its time sums' first doubles had
    // deprecated, its hook had other fields, and its spec got its hook scope at
    // its first call. A different hook function ("wrong call target") is V8
    // meeting a second callee, not a shape, and is left out here.
    const out = runWithTraceDeopt(`
      const first = wrapFunction(async (x) => x + 1, spec('first', { onStart(call) { call.span.setAttribute('n', 1); }, onEnd(call) { call.span.setAttribute('ok', !call.failed); } }), tracer);
      const later = wrapFunction(async (x) => x + 1, spec('later', { onEnd(call) { call.span.setAttribute('done', 1); } }), tracer);
      const firstHookless = wrapFunction(async (x) => x + 1, spec('firstHookless', undefined), tracer);
      const laterHookless = wrapFunction(async (x) => x + 1, spec('laterHookless', undefined), tracer);
      const root = tracer.startSpan('root');
      await tracer.withSpan(root, async () => {
        for (let i = 0; i < 5000; i++) await first(i) + await firstHookless(i);
        console.log('@later');
        for (let i = 0; i < 5000; i++) await later(i) + await laterHookless(i);
      });
      console.log('@done', root.trace.wrappedCalls);
    `);
    assert.match(out, /@done 20000/, 'the child ran every call');
    assertStayedOptimised(out, /map/i);
  });
});
