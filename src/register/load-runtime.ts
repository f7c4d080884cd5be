/**
 * How an `--import` entry gets the runtime. From build/src this module loads
 * it as ES modules; the package's bundled entries get
 * register/load-runtime-bundled.ts in its place (scripts/bundle-register.mjs),
 * which compiles the one-script runtime with V8's code cache.
 */
export type Runtime = typeof import('./runtime.js');
export { cacheKeyOf } from './code-cache.js';

/**
 * `cacheKey` names the code cache of the bundled runtime (one per preset: what
 * one preset's runs compile is not what another's do); unused here.
 */
export function loadRuntime(cacheKey?: string): Promise<Runtime> | Runtime {
  void cacheKey;
  return import('./runtime.js');
}

/** After the runtime started: nothing to do from build/src (see load-runtime-bundled.ts). */
export function runtimeStarted(): void {}
