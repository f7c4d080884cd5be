/** `node --import stagescope/register/sharp script.mjs` — SharpLatency for the whole process. */
import { loadRuntime, runtimeStarted } from './load-runtime.js';
import { markStartup } from './startup-mark.js';
// Start-up (the root line's "startup") is measured from here: what follows (the
// runtime script compiled from V8's code cache, then stagescope starting) is
// the cost of `--import stagescope/register/…` (see startup-mark.ts).
markStartup();
const { startProcessMode } = await loadRuntime('sharp');

startProcessMode('sharp');
runtimeStarted();
