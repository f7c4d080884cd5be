/** `node --import stagescope/register script` — preset from STAGESCOPE_PRESET (default custom). */
// Start-up is measured from here (the root line's "startup"): the rest of
// stagescope is loaded by the dynamic import below, after the mark.
(globalThis as { [key: symbol]: unknown })[Symbol.for('stagescope.loadStartMs')] ??= performance.now();
const { presetNameFromEnv, startProcessMode } = await import('./process-mode.js');

startProcessMode(presetNameFromEnv());
