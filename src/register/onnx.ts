/** `node --import stagescope/register/onnx script.mjs` — OnnxLatency for the whole process. */
import { startProcessMode } from './process-mode.js';

startProcessMode('onnx');
