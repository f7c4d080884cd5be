/**
 * `node --import stagescope/register/onnx script.mjs` — OnnxLatency for the whole process.
 * With STAGESCOPE_ONNX_OPS=1 in the environment, op-level drill-down is on
 * (OnnxLatency reads it when its `ops` option is not given).
 */
import { startProcessMode } from './process-mode.js';

startProcessMode('onnx');
