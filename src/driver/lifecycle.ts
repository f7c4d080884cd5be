/**
 * When is a script's work done? When the event loop has nothing left to do:
 * Node emits `beforeExit`. That covers top-level await, an exported `main`, and a
 * fire-and-forget async IIFE alike. `exit` (process.exit, a crash) and the
 * terminating signals are the other ways out, so a dying run still prints what
 * it recorded.
 *
 * Signals follow one rule: the app decides. A signal handler changes what a
 * signal does, so ours only acts when the app has no handler of its own at the
 * moment the signal arrives; then it saves the run and re-raises the signal, so
 * the process still dies of it (same exit status as without stagescope). When
 * the app handles the signal, ours does nothing: the app's handler runs once,
 * and the run is saved by `exit` (or `beforeExit`) if and when the process
 * really ends.
 */
export interface LifecycleHandlers {
  /**
   * The loop drained: the script's work is done. Called on every drain until it
   * returns true (done); returning false lets it start more work (calling an
   * exported `main`) and be asked again when that work drains.
   */
  onDrained(): boolean;
  /** The process is exiting now (synchronous work only). */
  onExit(code: number): void;
}

/** The signals that end a process by default and that a supervisor sends (Ctrl-C, kill, docker stop, hangup). */
export const TERMINATING_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Shell convention for "killed by signal N": 128 + N (SIGINT 130, SIGTERM 143, SIGHUP 129). */
export function signalExitCode(signal: NodeJS.Signals): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
  return 128 + (numbers[signal] ?? 0);
}

/** When each terminating signal last reached this process directly (ms, Date.now), for dedupe with forwarded ones. */
const lastDirectSignalMs = new Map<NodeJS.Signals, number>();

/** Did `signal` reach the process directly at or after `sinceMs`? */
export function receivedSignalSince(signal: NodeJS.Signals, sinceMs: number): boolean {
  return (lastDirectSignalMs.get(signal) ?? -Infinity) >= sinceMs;
}

/** Watchers of runs in progress; the signal listeners below serve all of them. */
const watchers = new Set<LifecycleHandlers>();
/** Our process-wide listener per signal, installed once and kept. */
const signalListeners = new Map<NodeJS.Signals, () => void>();

/**
 * One listener per signal for the whole process, installed on first use and
 * left in place when a run ends: removing a signal listener closes libuv's
 * signal handle, and a closing handle makes the loop alive again, so Node
 * would emit `beforeExit` once more and the app's own `beforeExit` listeners
 * would run twice. With no run in progress the listener only keeps the
 * default: if it is alone, it removes itself and re-raises the signal.
 */
function ensureSignalListeners(): void {
  for (const signal of TERMINATING_SIGNALS) {
    if (signalListeners.has(signal)) continue;
    const listener = (): void => {
      lastDirectSignalMs.set(signal, Date.now());
      // Anyone else listening (the app, a framework) owns the signal: do nothing now.
      if (process.listenerCount(signal) > 1) return;
      for (const watcher of [...watchers]) {
        try {
          watcher.onExit(signalExitCode(signal));
        } catch {
          // saving the run must never stop the process from dying of its signal
        }
      }
      watchers.clear();
      for (const [name, installed] of signalListeners) process.off(name, installed);
      signalListeners.clear();
      process.kill(process.pid, signal);
    };
    process.on(signal, listener);
    signalListeners.set(signal, listener);
  }
}

export function watchLifecycle(handlers: LifecycleHandlers): () => void {
  let done = false;
  const beforeExit = (): void => {
    if (done) return;
    done = handlers.onDrained();
  };
  const exit = (code: number): void => handlers.onExit(code);
  ensureSignalListeners();
  watchers.add(handlers);
  process.on('beforeExit', beforeExit);
  process.on('exit', exit);
  return () => {
    watchers.delete(handlers);
    process.off('beforeExit', beforeExit);
    process.off('exit', exit);
  };
}
