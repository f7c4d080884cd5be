import { createRequire, syncBuiltinESMExports } from 'node:module';
import { getEnvironmentData, setEnvironmentData, type WorkerOptions } from 'node:worker_threads';
import { reportDiagnostic } from '../core/diagnostics.js';
import { guarded } from '../core/guarded.js';
import { LINKED_REGISTER_URL, REACH_DATA_KEY, type ReachLink } from './link.js';

/** Who decides, per new Worker, whether and how it is linked. */
export interface WorkerLinker {
  /** A link for a Worker about to start, or undefined to leave it alone. */
  linkWorker(label: string): ReachLink | undefined;
  /** The linked Worker's thread has stopped (its 'exit' event, with the exit code). */
  workerExited(link: ReachLink, exitCode: number): void;
}

type WorkerClass = new (filename: string | URL, options?: WorkerOptions) => object;
const workerThreads = createRequire(import.meta.url)('node:worker_threads') as { Worker: WorkerClass };

let linker: WorkerLinker | null = null;
let original: WorkerClass | null = null;

/**
 * Make every `new Worker(file)` of this thread a linked worker while `active`
 * is set: the Worker class is replaced by a Proxy of itself (same prototype,
 * `instanceof` and subclassing unchanged, `worker.constructor` the original)
 * whose construct trap
 *
 * - puts the link into the worker's environment data (cloned by Node while the
 *   constructor runs, so it is set just around the call and restored after),
 * - adds `--import <register/linked>` to the worker's execArgv (the app's own
 *   `execArgv`, or this thread's, which a Worker inherits by default).
 *
 * The app's `workerData`, messages and options are otherwise passed on as
 * given. `eval: true` workers are left alone: Node does not run `--import` in
 * them. ESM `import { Worker }` bindings are updated with syncBuiltinESMExports.
 */
export function installWorkerPatch(active: WorkerLinker): void {
  linker = active;
  if (original !== null) return;
  const Original = workerThreads.Worker;
  original = Original;
  const proxy: WorkerClass = new Proxy(Original, {
    construct(target, args: unknown[], newTarget: Function) {
      const constructAs = newTarget === proxy ? target : newTarget;
      const prepared = guarded('SS_REACH_WORKER_FAILED', 'could not prepare a worker thread for tracing (it runs untraced)', () => linkedWorker(args));
      if (prepared === undefined) return Reflect.construct(target, args, constructAs) as object;
      const { link, patchedArgs } = prepared;
      const previous: unknown = getEnvironmentData(REACH_DATA_KEY);
      setEnvironmentData(REACH_DATA_KEY, link as never);
      let worker: object;
      try {
        worker = constructLinked(target, args, patchedArgs, constructAs);
      } finally {
        setEnvironmentData(REACH_DATA_KEY, previous as never);
      }
      // Knowing when the thread stopped ends the span of a worker that was
      // terminate()d (no exit handler runs in it). One 'exit' listener: it keeps
      // nothing alive and changes no event the app sees.
      const owner = linker;
      try {
        (worker as { once?: (event: string, listener: (code: number) => void) => unknown }).once?.('exit', (code: number) => owner?.workerExited(link, code));
      } catch {
        // a subclass without EventEmitter's once: the worker's end stays unknown
      }
      return worker;
    },
  });
  workerThreads.Worker = proxy;
  syncBuiltinESMExports();
}

/** Stop linking new workers and put the original class back (a Proxy still held by the app passes through). */
export function uninstallWorkerPatch(): void {
  linker = null;
  if (original === null) return;
  workerThreads.Worker = original;
  original = null;
  syncBuiltinESMExports();
}

/** The link and the constructor arguments (our `--import` added) for a new Worker while linking is on; undefined to leave it alone. */
function linkedWorker(args: unknown[]): { link: ReachLink; patchedArgs: unknown[] } | undefined {
  const options = args[1] as (WorkerOptions & { eval?: boolean }) | undefined;
  if (linker === null || options?.eval === true) return undefined;
  const link = linker.linkWorker(workerLabel(args[0]));
  if (link === undefined) return undefined;
  const execArgv = options?.execArgv ?? process.execArgv;
  const withImport = execArgv.some((arg) => arg.includes('/register/linked.js')) ? [...execArgv] : [...execArgv, '--import', LINKED_REGISTER_URL];
  return { link, patchedArgs: [args[0], { ...options, execArgv: withImport }, ...args.slice(2)] };
}

function workerLabel(filename: unknown): string {
  const text = filename instanceof URL ? filename.pathname : typeof filename === 'string' ? filename : String(filename);
  const parts = text.split(/[\\/]/);
  return parts.slice(-2).join('/');
}

/**
 * Construct the worker with our `--import` added to its execArgv. An explicit
 * execArgv is checked by Node, which refuses process-wide flags that a worker
 * merely inheriting them would never see (under Node 24's test runner,
 * `process.execArgv` holds such flags): then the flags Node names are left out
 * and the worker is made again; if Node still refuses, the app's own arguments
 * are used and the worker runs untraced. The app never sees our error.
 */
function constructLinked(target: WorkerClass, args: unknown[], patchedArgs: unknown[], constructAs: Function): object {
  try {
    return Reflect.construct(target, patchedArgs, constructAs) as object;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    const message = String((error as Error).message);
    const invalid = new Set(
      message
        .slice(message.indexOf(':') + 1)
        .split(', ')
        .map((flag) => flag.trim()),
    );
    const options = patchedArgs[1] as WorkerOptions;
    const execArgv = (options.execArgv ?? []).filter((arg) => !invalid.has(arg));
    try {
      return Reflect.construct(target, [patchedArgs[0], { ...options, execArgv }, ...patchedArgs.slice(2)], constructAs) as object;
    } catch {
      reportDiagnostic('SS_REACH_WORKER_FAILED', `a worker thread could not be given stagescope's --import (${message}); it runs untraced`);
      return Reflect.construct(target, args, constructAs) as object;
    }
  }
}
