// A reference variant of rows 3 and 4 of `npm run bench:cost`: the least a
// tracer can do around a call, written by hand and loaded with --import
// before model-loop.mjs. Around the same two methods stagescope's presets wrap
// (sharp's `_pipeline`, onnxruntime's `InferenceSession.prototype.run`) it
// makes a span-like object, makes it the AsyncLocalStorage context for the call
// (enterWith, restored in finally), and records the end time from a `.then` on
// the returned promise. Nothing is kept, named, labelled or written.
//
// What this adds per call is the floor for any in-process tracer that keeps a
// context across the call (OpenTelemetry's context manager does the same
// switch): the rows compare stagescope's added time with it.
import { AsyncLocalStorage } from 'node:async_hooks';
import ort from 'onnxruntime-node';
import sharp from 'sharp';

const storage = new AsyncLocalStorage();
let ended = 0;
/** Where a wrapper keeps the function it wraps (model-paired.mjs calls it directly, as stagescope's `stagescope.original`). */
const ORIGINAL = Symbol('hand-wrapper.original');

function wrap(prototype, name) {
  const original = prototype[name];
  prototype[name] = function () {
    const parent = storage.getStore();
    const span = { parent, startMs: performance.now(), endMs: -1 };
    storage.enterWith(span);
    let result;
    try {
      result = original.apply(this, arguments);
    } finally {
      storage.enterWith(parent);
    }
    const end = () => {
      span.endMs = performance.now();
      ended++;
    };
    if (result !== null && typeof result === 'object' && typeof result.then === 'function') result.then(end, end);
    else end();
    return result;
  };
  Object.defineProperty(prototype[name], ORIGINAL, { value: original });
}

// The ESM build of sharp, as model-loop.mjs imports it (sharp's CommonJS build is another class).
wrap(sharp.prototype, '_pipeline');
wrap(ort.InferenceSession.prototype, 'run');
process.on('exit', () => {
  if (ended === 0) process.exitCode = 1; // the wrappers never ran: the reference would be meaningless
});
