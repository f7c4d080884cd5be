/**
 * Marks a traced process leaves on `globalThis` under registered symbols, for
 * whichever copy of stagescope reads them: the small bundled register entries
 * (which must not load the runtime's modules: this file imports nothing, and
 * what an entry evaluates before its start-up mark is not counted), the
 * runtime, and the module hooks.
 */

/**
 * Global key under which a register entry (`stagescope/register/<preset>`) leaves
 * `process.hrtime.bigint()` taken at its first statement, so the run can show
 * its own start-up cost (`startup` on the root line; register/startup-mark.ts).
 */
export const LOAD_START_KEY = Symbol.for('stagescope.loadStartHrNs');

/**
 * Global key under which the module hooks leave `process.hrtime.bigint()` taken
 * when Node starts loading the script itself (its main module: the ESM
 * resolution without a parent, or CommonJS `Module._load` with `isMain`): where
 * start-up ends. What happens between stagescope having started and then (the
 * `--import` entry finishing, the CLI starting the script) is start-up too.
 * instrument/esm-hooks.ts sets it without importing this module (it also runs
 * in Node 20's hooks thread).
 */
export const SCRIPT_START_KEY = Symbol.for('stagescope.scriptStartHrNs');

/** Note that the main module starts loading now (the first call wins). */
export function markScriptStart(): void {
  (globalThis as { [SCRIPT_START_KEY]?: bigint })[SCRIPT_START_KEY] ??= process.hrtime.bigint();
}

/**
 * Global key under which a bundled register entry leaves how it compiled the
 * runtime script: `hit` from V8's code cache, `miss` or `rejected` from source
 * (the first run with this Node: the next one starts faster), `off`
 * (register/code-cache.ts).
 */
export const CODE_CACHE_STATUS_KEY = Symbol.for('stagescope.codeCacheStatus');

/**
 * Global key of the set of parts of the runtime this process ran beyond
 * start-up (today one: `calls`, the wrapper's call path, noted when a run had
 * wrapped calls): the bundled entry writes the code cache again at exit when
 * the cache was made without it (register/load-runtime-bundled.ts).
 */
export const CODE_COVERAGE_KEY = Symbol.for('stagescope.codeCacheCoverage');

/** Note that this process ran a lazily loaded part of the runtime (for the code cache; cheap, idempotent). */
export function noteCodeCoverage(part: string): void {
  ((globalThis as { [CODE_COVERAGE_KEY]?: Set<string> })[CODE_COVERAGE_KEY] ??= new Set()).add(part);
}

/**
 * How long before `entryHrNs` (a `process.hrtime.bigint()` reading) Node
 * finished its bootstrap (`performance.nodeTiming.bootstrapComplete`), ns;
 * undefined when Node does not tell. Both clocks are the same monotonic clock,
 * read one after the other here. Called when the run is reported, never at
 * start-up: reading `performance` makes Node's object (about 0.7 ms) when
 * nothing made it before.
 *
 * Why: `node --import x` runs Node's module loader before x's first line (its
 * set-up, resolving x through the package's exports, loading it), which
 * `node` alone never does: 1.9–2.1 ms on Node 24 and 3.6–4.9 ms on Node 22
 * for an `--import` of an empty file on the benchmark's VM. That is the cost
 * of the flag; when stagescope's entry is the first import it is stagescope's.
 */
export function sinceBootstrapNs(entryHrNs: bigint): number | undefined {
  const performance = globalThis.performance as { now(): number; nodeTiming?: { bootstrapComplete?: number } } | undefined;
  const bootstrapMs = performance?.nodeTiming?.bootstrapComplete;
  if (performance === undefined || typeof bootstrapMs !== 'number' || !(bootstrapMs > 0)) return undefined;
  const nowMs = performance.now();
  const nowHrNs = process.hrtime.bigint();
  const entryMs = nowMs - Number(nowHrNs - entryHrNs) / 1e6;
  const ns = Math.round((entryMs - bootstrapMs) * 1e6);
  return ns >= 0 ? ns : undefined;
}
