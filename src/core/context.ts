import { AsyncLocalStorage } from 'node:async_hooks';
import type { Span } from './span.js';

/**
 * Marker stored in the context while stagescope's own code (exporters, probes)
 * runs. A registered symbol, so every copy of stagescope in the process (the
 * register bundle, the script's own `import 'stagescope'`) recognises it.
 */
export const SUPPRESSED: unique symbol = Symbol.for('stagescope.suppressed.v1');
export type ContextValue = Span | typeof SUPPRESSED;

/**
 * The one AsyncLocalStorage that carries the current span. Shared through a
 * global symbol so that two copies of stagescope in one process (a CJS and an ESM
 * load, or two versions) still agree on parentage.
 */
const STORAGE_KEY = Symbol.for('stagescope.context.v1');
type GlobalWithStorage = typeof globalThis & { [STORAGE_KEY]?: AsyncLocalStorage<ContextValue> };
const g = globalThis as GlobalWithStorage;
export const storage: AsyncLocalStorage<ContextValue> = (g[STORAGE_KEY] ??= new AsyncLocalStorage<ContextValue>());

/**
 * How Node carries an AsyncLocalStorage store across `await` in this process,
 * which decides what every await costs once tracing has started (traced or
 * not; not in OH: docs/overhead.md, "Async context (AsyncLocalStorage) per
 * await"):
 *
 * - `async-context-frame`: the store travels in V8's continuation-preserved
 *   embedder data (Node 24 by default; Node 22 with
 *   `--experimental-async-context-frame`);
 * - `async-hooks`: a promise hook copies it into every new promise (Node 20,
 *   Node 22 by default, Node 24 with `--no-async-context-frame`).
 *
 * Node has no API that says which. Its async-hooks implementation has a
 * `_propagate` method that the AsyncContextFrame one lacks (Node 20, 22 and
 * 24 with either flag: test/context-mechanism.test.ts); looking at the class
 * Node actually chose is sounder than repeating its rule for flags and versions
 * (NODE_OPTIONS, a flag's default changing again).
 */
export function asyncContextMechanism(): 'async-context-frame' | 'async-hooks' {
  return typeof (storage as unknown as { _propagate?: unknown })._propagate === 'function' ? 'async-hooks' : 'async-context-frame';
}

/**
 * Tracing suppressed for synchronous stagescope code without a context switch:
 * `depth` > 0 while built-in probes read their values (SpanProbe.selfContained).
 * Two AsyncLocalStorage switches per span edge cost more than the reading of
 * a probe; code that starts no asynchronous work needs only this counter.
 * Shared through a global symbol, like the storage.
 */
const SYNC_SUPPRESSION_KEY = Symbol.for('stagescope.suppressed-sync.v1');
export const syncSuppression: { depth: number } = ((g as typeof g & { [SYNC_SUPPRESSION_KEY]?: { depth: number } })[SYNC_SUPPRESSION_KEY] ??= {
  depth: 0,
});

/** The span the current code runs in, or null (also null while suppressed). */
export function currentSpan(): Span | null {
  if (syncSuppression.depth !== 0) return null;
  const value = storage.getStore();
  return value === undefined || value === SUPPRESSED ? null : value;
}

export function isSuppressed(): boolean {
  return syncSuppression.depth !== 0 || storage.getStore() === SUPPRESSED;
}

/**
 * Run `fn` with tracing suppressed: wrapped calls inside record nothing. Exporters
 * and probes use this so they never trace themselves.
 */
export function suppressTracing<T>(fn: () => T): T {
  return storage.run(SUPPRESSED, fn);
}
