// Row 6 of `npm run bench:cost`, the process-wide AsyncLocalStorage cost: the
// tiny async loop of tiny-loop.mjs in a process where an AsyncLocalStorage
// exists and a store was entered before the loop, as a tracer's is once it
// starts, and nothing else: no stagescope, no wrapper around `work`. Against
// the plain tiny-loop.mjs (no AsyncLocalStorage at all), the difference is what
// every awaited call in the process pays once tracing has started, traced or not:
// on Node < 24 the promise hooks AsyncLocalStorage installs, on Node 24 the
// AsyncContextFrame each promise reaction carries.
//
//   node tiny-als.mjs n=200000
import { AsyncLocalStorage } from 'node:async_hooks';
import { work } from 'bench-tiny-lib';
import { report } from './report.mjs';
import { runTinyLoop } from './tiny-loop-core.mjs';

const storage = new AsyncLocalStorage();
const store = { entered: true };
storage.enterWith(store);
const result = await runTinyLoop(work);
// The store must have travelled through every await of the loop, else the
// figure would be the cost of an AsyncLocalStorage that carries nothing.
if (storage.getStore() !== store) throw new Error('tiny-als.mjs: the entered store was not current after the loop');
report({ ...result, asyncContext: 'entered' });
