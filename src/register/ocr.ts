/** `node --import stagescope/register/ocr script.mjs` — OcrLatency for the whole process. */
import { startProcessMode } from './process-mode.js';

startProcessMode('ocr');
