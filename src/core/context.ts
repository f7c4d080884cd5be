import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
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
 * What one async resource (a promise, a timer, a request) costs the process
 * while AsyncLocalStorage propagates through async hooks, ns: the hook's init
 * copies the store into it. Medians of nine pairs of a 300,000-call awaited
 * loop with a store entered against one without AsyncLocalStorage, per async
 * id the loop used (two a call): Node 20 77 ns (27–87), Node 22 84 (39–111),
 * Node 24 with --no-async-context-frame 92 (78–210); 2 shared cores, x86-64,
 * 2026-11-28. An estimate for any other machine, as the wrapper's are.
 */
const ASYNC_RESOURCE_NS: Record<'20' | '22' | '24', number> = { '20': 77, '22': 84, '24': 92 };

/** `ASYNC_RESOURCE_NS` for this Node. */
export function asyncResourceNs(nodeMajor = Number(process.versions.node.split('.')[0])): number {
  return nodeMajor >= 24 ? ASYNC_RESOURCE_NS['24'] : nodeMajor >= 22 ? ASYNC_RESOURCE_NS['22'] : ASYNC_RESOURCE_NS['20'];
}

/**
 * The process's async id counter: every async resource made since the process
 * started took one (every promise too, once a hook with `init` is on, as
 * AsyncLocalStorage's is on Node 20 and 22). Read by making one resource, so
 * the difference of two readings, less one, counts what the process made in
 * between, at no cost per resource. An app's own async hooks see that resource
 * (type `STAGESCOPE_ASYNC_COUNT`, never destroyed): two a run, only where
 * AsyncLocalStorage works through async hooks.
 */
export function asyncIdCounter(): number {
  return new AsyncResource('STAGESCOPE_ASYNC_COUNT', { requireManualDestroy: true }).asyncId();
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
