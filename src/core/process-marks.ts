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

/**
 * The format of the main module as Node's ES module resolution gave it
 * (`module`, `commonjs`, …; null when it did not say), set by
 * instrument/esm-hooks.ts when it sees the main module resolved, or
 * `commonjs` by the CommonJS hook when Node loads the main module with
 * `require`'s loader (module-hooks.ts); absent when neither did (no script:
 * `-e`; an ES module script on Node 20, whose hooks run in a thread).
 */
export const MAIN_FORMAT_KEY = Symbol.for('stagescope.mainFormat');

/**
 * Whether Node would have set up its ES module loader without the `--import`:
 * for an ES module script, yes; for a CommonJS script or `-e` code, no
 * (Node loads those with its CommonJS loader unless something is imported).
 * Undefined when that is not known.
 */
export function loaderNeededWithoutImport(): boolean | undefined {
  const format = (globalThis as { [MAIN_FORMAT_KEY]?: string | null })[MAIN_FORMAT_KEY];
  if (format === undefined) return process.argv.length < 2 ? false : undefined;
  if (format === 'commonjs') return false;
  return format === 'module' ? true : undefined;
}

/** Note that the main module starts loading now (the first call wins), and its format when known. */
export function markScriptStart(format?: string): void {
  (globalThis as { [SCRIPT_START_KEY]?: bigint })[SCRIPT_START_KEY] ??= process.hrtime.bigint();
  if (format !== undefined) (globalThis as { [MAIN_FORMAT_KEY]?: string | null })[MAIN_FORMAT_KEY] ??= format;
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
 * set-up, resolving x through the package's exports, loading it): 1.9–2.1 ms
 * on Node 24 and 3.6–4.9 ms on Node 22 for an `--import` of an empty file on
 * the benchmark's VM. For a CommonJS script or `-e` code, which Node would
 * load without that loader, all of it is the flag's cost, and stagescope's
 * when its entry is the first import; an ES module script needs the loader
 * anyway (`loaderNeededWithoutImport`).
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
