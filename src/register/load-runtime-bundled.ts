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
import { fileURLToPath } from 'node:url';
import { codeCacheDir, compileWithCodeCache, nodeFlagsKey, type CodeCacheStatus, type CompiledScript } from './code-cache.js';
import type { Runtime } from './load-runtime.js';
import { CODE_CACHE_STATUS_KEY, CODE_COVERAGE_KEY } from '../core/process-marks.js';

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

export { cacheKeyOf } from './code-cache.js';

/** `cacheKey`: which code cache file (one per preset; see cacheKeyOf). */
export function loadRuntime(cacheKey = 'custom'): Runtime {
  if (runtime !== undefined) return runtime;
  const url = new URL('./runtime.js', import.meta.url);
  const filename = fileURLToPath(url);
  // vm is the one builtin this costs (≈0.1 ms); Node does not load it at start-up.
  // process.getBuiltinModule (every Node the package supports has it), not a
  // `createRequire`: the process's first createRequire took 0.13–0.23 ms.
  const vm = process.getBuiltinModule('node:vm');
  const compiled = compileWithCodeCache(
    vm,
    // The runtime script, ASCII (the bundler checks): read as one-byte text, without UTF-8 decoding.
    filename,
    codeCacheDir(),
    `runtime-${STAGESCOPE_RUNTIME_HASH}-${cacheKey}-${process.version}-${process.arch}${flagsSuffix(nodeFlagsKey())}.bin`,
  );
  (globalThis as { [CODE_CACHE_STATUS_KEY]?: CodeCacheStatus })[CODE_CACHE_STATUS_KEY] = compiled.status;
  const factory = compiled.script.runInThisContext() as RuntimeFactory;
  const module = { exports: {} as Record<string, unknown> };
  // The runtime's import() calls: a vm script has no module loader of its own
  // (vm's USE_MAIN_CONTEXT_DEFAULT_LOADER prints an ExperimentalWarning into the
  // app's stderr), so they run here, resolving from the same package folder.
  factory(module.exports, runtimeRequire(url), module, filename, fileURLToPath(new URL('.', url)), (specifier) => import(specifier));
  runtime = module.exports as unknown as Runtime;
  saveWhenExiting = compiled.status === 'off' ? undefined : () => saveCodeCache(compiled);
  return runtime;
}

/** The flags key as a file-name part: nothing for a process without flags. */
function flagsSuffix(key: string): string {
  return key === '' ? '' : `-f${key}`;
}

/**
 * The runtime's `require`: builtins straight from Node (what it mostly asks
 * for), packages (es-module-lexer, when a watched package is ESM) through a
 * `createRequire` made on the first such call. Making one at start-up was
 * 0.13–0.23 ms of a traced `-e 0` (the process's first createRequire), and a
 * run that never needs a package never pays it. Only plain calls: the bundle
 * uses neither `require.resolve` nor `require.cache` (scripts/bundle-register.mjs
 * checks).
 */
function runtimeRequire(url: URL): NodeRequire {
  let packages: NodeRequire | undefined;
  // A `node:` name Node lacks goes to `require`, for its usual error.
  const load = (id: string): unknown => (id.startsWith('node:') ? process.getBuiltinModule(id) : undefined) ?? (packages ??= createRequire(url))(id);
  return load as NodeRequire;
}

/** A hit's cache grows only from a run shorter than this, s (see saveCodeCache). */
const GROW_WITHIN_S = 120;

/**
 * At exit: write the cache when it is missing, or when it was made by a run
 * without wrapped calls and this one had some (see CompiledScript.save). After
 * a hit, only from a run shorter than `GROW_WITHIN_S`: V8 drops the bytecode of
 * functions a long run has not used for a while (start-up's, by then), and a
 * cache made after that would hold less of start-up than the one it replaces.
 */
function saveCodeCache(compiled: CompiledScript): void {
  if (compiled.status === 'hit' && process.uptime() > GROW_WITHIN_S) return;
  compiled.save((globalThis as { [CODE_COVERAGE_KEY]?: Set<string> })[CODE_COVERAGE_KEY] ?? []);
}

let saveWhenExiting: (() => void) | undefined;

/**
 * Called by the entry once the runtime has started: a cache still to be made
 * (or to grow, see saveCodeCache) is made when the process exits, so it also
 * holds the functions the run and its report compiled (start-up code alone left
 * about 3 ms to compile lazily; a pipeline's hooks about as much again). The
 * listener goes in after the runtime's own, which prints the tree on `exit`.
 */
export function runtimeStarted(): void {
  const save = saveWhenExiting;
  saveWhenExiting = undefined;
  if (save !== undefined) process.once('exit', save);
}
