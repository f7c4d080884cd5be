// Row 6 of `npm run bench:cost`, a reference: the tiny async loop of
// tiny-loop.mjs with `work` wrapped by hand the least a tracer that keeps a
// context across the call can do, as hand-wrapper.mjs wraps the model calls of
// rows 3 and 4: a span-like object made the AsyncLocalStorage context for the
// call (enterWith, the caller's restored in finally), the start and end read
// with performance.now(), the end from a `.then` on the returned promise, which
// finds its span in the context (no closure per call). The two readings go into
// a reused array; nothing is named, labelled or kept.
//
// What this adds over the plain loop is the floor of such a tracer on this Node:
// AsyncLocalStorage per await and per context switch, two clock readings, one
// promise reaction. Row 6 sets stagescope's added time beside it.
//
//   node tiny-hand.mjs n=200000
import { AsyncLocalStorage } from 'node:async_hooks';
import { work } from 'bench-tiny-lib';
import { report } from './report.mjs';
import { runTinyLoop } from './tiny-loop-core.mjs';

const storage = new AsyncLocalStorage();
const readings = new Float64Array(2 * 1024);
let ended = 0;

function end() {
  const span = storage.getStore();
  span.endMs = performance.now();
  const at = (ended++ % 1024) * 2;
  readings[at] = span.startMs;
  readings[at + 1] = span.endMs;
}

function wrap(original) {
  return function () {
    const parent = storage.getStore();
    const span = { parent, startMs: 0, endMs: -1 };
    storage.enterWith(span);
    let result;
    try {
      span.startMs = performance.now();
      result = original.apply(this, arguments);
      if (result !== null && typeof result === 'object' && typeof result.then === 'function') result.then(end, end);
      else end();
    } finally {
      storage.enterWith(parent);
    }
    return result;
  };
}

// The root context a tracer enters when it starts (as tiny-als.mjs does).
storage.enterWith({ root: true });
const result = await runTinyLoop(wrap(work));
if (ended !== result.calls) throw new Error(`tiny-hand.mjs: ${ended} calls ended of ${result.calls}`);
report({ ...result, asyncContext: 'entered' });
