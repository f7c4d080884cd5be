/**
 * When is a script's work done? When the event loop has nothing left to do:
 * Node emits `beforeExit`. That covers top-level await, an exported `main`, and a
 * fire-and-forget async IIFE alike. `exit` (process.exit, a crash) and SIGINT /
 * SIGTERM are the fallbacks, so a dying run still prints what it recorded.
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

export function watchLifecycle(handlers: LifecycleHandlers): () => void {
  let done = false;
  const beforeExit = (): void => {
    if (done) return;
    done = handlers.onDrained();
  };
  const exit = (code: number): void => handlers.onExit(code);
  // A signal handler changes what a signal does; install ours only where the app
  // has none, and re-raise the signal afterwards so the process still dies of it.
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  const installed: [NodeJS.Signals, () => void][] = [];
  for (const signal of signals) {
    if (process.listenerCount(signal) > 0) continue;
    const handler = (): void => {
      handlers.onExit(signal === 'SIGINT' ? 130 : 143);
      remove();
      process.kill(process.pid, signal);
    };
    process.once(signal, handler);
    installed.push([signal, handler]);
  }
  process.on('beforeExit', beforeExit);
  process.on('exit', exit);
  const remove = (): void => {
    process.off('beforeExit', beforeExit);
    process.off('exit', exit);
    for (const [signal, handler] of installed) process.off(signal, handler);
  };
  return remove;
}
