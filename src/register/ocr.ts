/** `node --import stagescope/register/ocr script.mjs` — OcrLatency for the whole process. */
import { loadRuntime, runtimeStarted } from './load-runtime.js';
import { markStartup } from './startup-mark.js';
// Start-up (the root line's "startup") is measured from here: what follows (the
// runtime script compiled from V8's code cache, then stagescope starting) is
// the cost of `--import stagescope/register/…` (see startup-mark.ts).
markStartup();
const { startProcessMode } = await loadRuntime('ocr');

startProcessMode('ocr');
runtimeStarted();
