/**
 * `node --import stagescope/register/onnx script.mjs` — OnnxLatency for the whole process.
 * With STAGESCOPE_ONNX_OPS=1 in the environment, op-level drill-down is on
 * (OnnxLatency reads it when its `ops` option is not given).
 */
import { loadRuntime, runtimeStarted } from './load-runtime.js';
import { markStartup } from './startup-mark.js';
// Start-up (the root line's "startup") is measured from here: what follows (the
// runtime script compiled from V8's code cache, then stagescope starting) is
// the cost of `--import stagescope/register/…` (see startup-mark.ts).
markStartup();
const { startProcessMode } = await loadRuntime('onnx');

startProcessMode('onnx');
runtimeStarted();
