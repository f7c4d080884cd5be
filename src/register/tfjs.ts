/**
 * `node --import stagescope/register/tfjs script.mjs` — TfjsLatency for the whole
 * process. STAGESCOPE_TFJS_KERNELS=1 adds the kernel-level drill-down.
 */
// Start-up is measured from here (the root line's "startup"): the rest of
// stagescope is loaded by the dynamic import below, after the mark.
(globalThis as { [key: symbol]: unknown })[Symbol.for('stagescope.loadStartMs')] ??= performance.now();
const { startProcessMode } = await import('./process-mode.js');

startProcessMode('tfjs');
