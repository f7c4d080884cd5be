/**
 * `node --import stagescope/register/tfjs script.mjs` — TfjsLatency for the whole
 * process. STAGESCOPE_TFJS_KERNELS=1 adds the kernel-level drill-down.
 */
import { startProcessMode } from './process-mode.js';

startProcessMode('tfjs');
