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
