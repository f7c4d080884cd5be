import { storage } from './context.js';
import type { Span } from './span.js';

/**
 * Global key under which a register entry (`stagescope/register/<preset>`) leaves
 * `process.hrtime.bigint()` taken at its first statement, so the run can show
 * its own start-up cost (`startup` on the root line; register/startup-mark.ts).
 */
export const LOAD_START_KEY = Symbol.for('stagescope.loadStartHrNs');

/**
 * Global key under which a bundled register entry leaves how it compiled the
 * runtime script: `hit` from V8's code cache, `miss` or `rejected` from source
 * (the first run with this Node: the next one starts faster), `off`
 * (register/code-cache.ts).
 */
export const CODE_CACHE_STATUS_KEY = Symbol.for('stagescope.codeCacheStatus');

/**
 * Global key of the set of parts of the runtime this process ran beyond
 * start-up (`hooks:onnx`, `module:textTree`, `calls`, …): the bundled entry
 * writes the code cache again at exit when this run covered parts the cache
 * was not made with (register/load-runtime-bundled.ts).
 */
export const CODE_COVERAGE_KEY = Symbol.for('stagescope.codeCacheCoverage');

/** Note that this process ran a lazily loaded part of the runtime (for the code cache; cheap, idempotent). */
export function noteCodeCoverage(part: string): void {
  ((globalThis as { [CODE_COVERAGE_KEY]?: Set<string> })[CODE_COVERAGE_KEY] ??= new Set()).add(part);
}

/**
 * Pay AsyncLocalStorage's one-time set-up now, when tracing starts, instead of
 * inside the first traced call: the first `run`/`enterWith` installs the async
 * hooks (Node < 24) and the first promise made in a context allocates the
 * context's bookkeeping, 0.4–0.7 ms measured on the first span of a run.
 */
export function warmUpContext(root: Span): void {
  storage.run(root, () => {
    void Promise.resolve().then(() => storage.getStore());
  });
}
