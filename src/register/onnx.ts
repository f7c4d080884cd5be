/**
 * `node --import stagescope/register/onnx script.mjs` — OnnxLatency for the whole process.
 * With STAGESCOPE_ONNX_OPS=1 in the environment, op-level drill-down is on
 * (OnnxLatency reads it when its `ops` option is not given).
 */
import { startupMarkMs } from './startup-mark.js';
// Start-up (the root line's "startup") is measured from the end of Node's own
// bootstrap: what follows (the loader reading and compiling this one-file bundle,
// then stagescope starting) is the cost of `--import stagescope/register/…`.
(globalThis as { [key: symbol]: unknown })[Symbol.for('stagescope.loadStartMs')] ??= startupMarkMs();
const { startProcessMode } = await import('./process-mode.js');

startProcessMode('onnx');
