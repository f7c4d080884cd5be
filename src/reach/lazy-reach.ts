import { createRequire } from 'node:module';
import type { RunDocument } from '../core/run-document.js';
import type { Span } from '../core/span.js';
import { onFirstBuiltinLoad } from '../instrument/module-hooks.js';
import type { ReachHost, ReachOptions } from './reach-host.js';
import type { ReachSession } from './reach-session.js';

const require = createRequire(import.meta.url);

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
  const sessionNow = (): ReachSession | null =>
    (session ??= (require('./reach-session.js') as typeof import('./reach-session.js')).startReach(preset, options, keptFields));
  // Each patch when its builtin first loads: a script (or a library: sharp loads
  // child_process to detect the C library) that never starts a worker never
  // pays for worker_threads. Already loaded (an API driver whose process had
  // them): the script may hold its functions, patch now.
  const loaded = (process as { moduleLoadList?: string[] }).moduleLoadList ?? [];
  const when = (builtin: string, patch: (started: ReachSession) => void): void => {
    const apply = (): void => {
      const started = sessionNow();
      if (started !== null) patch(started);
    };
    if (loaded.includes(`NativeModule ${builtin}`) || !onFirstBuiltinLoad([builtin], apply)) apply();
  };
  when('child_process', (started) => started.patchChildren());
  when('worker_threads', (started) => started.patchWorkers());
  return {
    finishInto(doc, root) {
      session?.finishInto(doc, root);
    },
  };
}
