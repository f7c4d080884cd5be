/**
 * `node --import stagescope/register/onnx script.mjs` — OnnxLatency for the whole process.
 * With STAGESCOPE_ONNX_OPS=1 in the environment, op-level drill-down is on
 * (OnnxLatency reads it when its `ops` option is not given).
 */
// Start-up is measured from here (the root line's "startup"): the rest of
// stagescope is loaded by the dynamic import below, after the mark.
(globalThis as { [key: symbol]: unknown })[Symbol.for('stagescope.loadStartMs')] ??= performance.now();
const { startProcessMode } = await import('./process-mode.js');

startProcessMode('onnx');
