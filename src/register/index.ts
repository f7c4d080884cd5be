/** `node --import stagescope/register script` — preset from STAGESCOPE_PRESET (default custom). */
import { cacheKeyOf, loadRuntime, runtimeStarted } from './load-runtime.js';
import { markStartup } from './startup-mark.js';
// Start-up (the root line's "startup") is measured from here: what follows (the
// runtime script compiled from V8's code cache, then stagescope starting) is
// the cost of `--import stagescope/register/…` (see startup-mark.ts).
markStartup();
const { presetNameFromEnv, startProcessMode } = await loadRuntime(cacheKeyOf(process.env.STAGESCOPE_PRESET));

startProcessMode(presetNameFromEnv());
runtimeStarted();
