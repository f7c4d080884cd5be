import { createRequire } from 'node:module';
import type { RunDocument } from '../core/run-document.js';
import type { Span } from '../core/span.js';
import { onFirstBuiltinLoad } from '../instrument/module-hooks.js';
import type { ReachHost, ReachOptions } from './reach-host.js';
import type { ReachSession } from './reach-session.js';

const require = createRequire(import.meta.url);

/** The builtins through which a script starts workers and child processes. */
const REACH_BUILTINS = ['worker_threads', 'child_process'];

/** What a preset holds of its reach: the session once started, and its end. */
export interface LazyReach {
  finishInto(doc: RunDocument, root: Span): void;
}

/**
 * Reach (workers, child processes) started when the script first loads
 * `worker_threads` or `child_process`, not when tracing starts: the reach
 * session needs `child_process`, `os`, `crypto` and its own modules (~15 ms of
 * start-up measured on Node 24), and most scripts start neither. The patches go
 * in while the builtin loads, before the script gets it.
 *
 * Eager (as before) when the builtins are loaded already (an API driver whose
 * script's process had them), or when an ESM `import` of them could not be seen:
 * Node without `module.registerHooks` (< 22.15), where the ESM hooks run in a
 * thread of their own.
 */
export function startReachLazily(preset: ReachHost, options: ReachOptions, keptFields: readonly string[]): LazyReach {
  let session: ReachSession | null | undefined;
  const start = (): void => {
    if (session !== undefined) return;
    session = (require('./reach-session.js') as typeof import('./reach-session.js')).startReach(preset, options, keptFields);
  };
  // child_process already loaded: the script may hold its functions, patch now.
  // (worker_threads is loaded by stagescope itself; its Worker is looked up on
  // the module when a script constructs one, so the trigger is enough.)
  const loaded = (process as { moduleLoadList?: string[] }).moduleLoadList ?? [];
  const alreadyLoaded = loaded.includes('NativeModule child_process');
  if (alreadyLoaded || !onFirstBuiltinLoad(REACH_BUILTINS, start)) start();
  return {
    finishInto(doc, root) {
      session?.finishInto(doc, root);
    },
  };
}
