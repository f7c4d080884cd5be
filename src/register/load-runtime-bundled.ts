/**
 * register/load-runtime.ts as the package's bundled `--import` entries have it
 * (scripts/bundle-register.mjs puts this module in its place): the runtime is
 * one script next to the entry, build/bundle/register/runtime.js, whose value
 * is a CommonJS-style function, compiled with V8's code cache
 * (register/code-cache.ts). The entry itself stays a few KiB, so the ES module
 * loader compiles almost nothing and the runtime's compile comes from the cache.
 *
 * This module's `import.meta.url` is the bundle's own (the bundler leaves it
 * alone here), so the runtime script is found next to the entry.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { codeCacheDir, compileWithCodeCache, type CodeCacheStatus } from './code-cache.js';
import type { Runtime } from './load-runtime.js';
import { CODE_CACHE_STATUS_KEY } from '../core/warm-up.js';

/** A hash of the runtime script, set by the bundler: the cache file's name changes with the script. */
declare const STAGESCOPE_RUNTIME_HASH: string;

type RuntimeFactory = (
  exports: Record<string, unknown>,
  require: NodeRequire,
  module: { exports: Record<string, unknown> },
  filename: string,
  dirname: string,
  dynamicImport: (specifier: string) => Promise<unknown>,
) => void;

let runtime: Runtime | undefined;

export function loadRuntime(): Runtime {
  if (runtime !== undefined) return runtime;
  const url = new URL('./runtime.js', import.meta.url);
  const filename = fileURLToPath(url);
  // vm is the one builtin this costs (≈0.3 ms); Node does not load it at start-up.
  const vm = createRequire(import.meta.url)('node:vm') as typeof import('node:vm');
  const compiled = compileWithCodeCache(
    vm,
    // ASCII (the bundler checks): read as one-byte text, without UTF-8 decoding.
    readFileSync(filename, 'latin1'),
    filename,
    codeCacheDir(),
    `runtime-${STAGESCOPE_RUNTIME_HASH}-${process.version}-${process.arch}.bin`,
  );
  (globalThis as { [CODE_CACHE_STATUS_KEY]?: CodeCacheStatus })[CODE_CACHE_STATUS_KEY] = compiled.status;
  const factory = compiled.script.runInThisContext() as RuntimeFactory;
  const module = { exports: {} as Record<string, unknown> };
  // The runtime's import() calls: a vm script has no module loader of its own
  // (vm's USE_MAIN_CONTEXT_DEFAULT_LOADER prints an ExperimentalWarning into the
  // app's stderr), so they run here, resolving from the same package folder.
  factory(module.exports, createRequire(url), module, filename, fileURLToPath(new URL('.', url)), (specifier) => import(specifier));
  runtime = module.exports as unknown as Runtime;
  saveWhenExiting = compiled.status === 'miss' || compiled.status === 'rejected' ? () => compiled.save() : undefined;
  return runtime;
}

let saveWhenExiting: (() => void) | undefined;

/**
 * Called by the entry once the runtime has started: a cache still to be made is
 * made when the process exits, so it also holds the functions the run and its
 * report compiled (start-up code alone left about 3 ms to compile lazily). The
 * listener goes in after the runtime's own, which prints the tree on `exit`.
 */
export function runtimeStarted(): void {
  const save = saveWhenExiting;
  saveWhenExiting = undefined;
  if (save !== undefined) process.once('exit', save);
}
