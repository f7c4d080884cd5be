/**
 * `--import`ed into the Worker threads and node child processes a traced run
 * starts (reach/worker-patch.ts, reach/spawn-patch.ts add it): traces them with
 * the run's preset and sends their spans back. Does nothing elsewhere.
 */
import { loadRuntime, runtimeStarted } from './load-runtime.js';

(await loadRuntime('linked')).startLinkedModeIfLinked();
runtimeStarted();
