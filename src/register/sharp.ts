/** `node --import stagescope/register/sharp script.mjs` — SharpLatency for the whole process. */
import { startupMarkMs } from './startup-mark.js';
// Start-up (the root line's "startup") is measured from the end of Node's own
// bootstrap: what follows (the loader reading and compiling this one-file bundle,
// then stagescope starting) is the cost of `--import stagescope/register/…`.
(globalThis as { [key: symbol]: unknown })[Symbol.for('stagescope.loadStartMs')] ??= startupMarkMs();
const { startProcessMode } = await import('./process-mode.js');

startProcessMode('sharp');
