/** `node --import stagescope/register script` — preset from STAGESCOPE_PRESET (default custom). */
import { startProcessMode } from './process-mode.js';

startProcessMode(process.env.STAGESCOPE_PRESET ?? 'custom');
