/** `node --import stagescope/register script` — preset from STAGESCOPE_PRESET (default custom). */
import { loadRuntime, runtimeStarted } from './load-runtime.js';
import { startupMarkMs } from './startup-mark.js';
// Start-up (the root line's "startup") is measured from the end of Node's own
// bootstrap: what follows (the module loader reading this small entry, the
// runtime script compiled from V8's code cache, then stagescope starting) is
// the cost of `--import stagescope/register/…`.
(globalThis as { [key: symbol]: unknown })[Symbol.for('stagescope.loadStartMs')] ??= startupMarkMs();
const { presetNameFromEnv, startProcessMode } = await loadRuntime();

startProcessMode(presetNameFromEnv());
runtimeStarted();
