/** `node --import stagescope/register/sharp script.mjs` — SharpLatency for the whole process. */
import { startProcessMode } from './process-mode.js';

startProcessMode('sharp');
