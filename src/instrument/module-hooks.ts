import Module, { createRequire, register } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nowNs } from '../core/clock.js';
import { markScriptStart } from '../core/process-marks.js';
import { guarded } from '../core/guarded.js';
import { nearestPackage, packageEntryOfFile } from './package-of-file.js';
import type * as EsmHooks from './esm-hooks.js';

/**
 * Process-wide module hooks, installed once and shared (through a global symbol)
 * by every instrumenter and every copy of stagescope in the process.
 *
 * - CommonJS: `Module._load` is wrapped. On Node 20 it is also the path an ESM
 *   `import` of a CJS package takes, so this catches both, and it sees the copy of
 *   a package that the *importing* script resolved, wherever it lives.
 * - ESM: `module.register` installs `esm-hooks.js`, which gives targeted ESM
 *   builds a facade that calls back here with the live namespace.
 *
 * Every load of a watched package is remembered (`loaded`), so an instrumenter
 * enabled later still finds the instances loaded before it.
 */
export type Setters = Record<string, (value: unknown) => void>;

export interface LoadedModule {
  readonly moduleName: string;
  readonly kind: 'cjs' | 'esm';
  readonly exports: unknown;
  /** ESM only: assign a top-level export binding of the facade. */
  readonly setters: Setters | undefined;
  /** File or URL, for messages. */
  readonly location: string;
}

export interface LoadListener {
  onModuleLoaded(loaded: LoadedModule): void;
}

interface HookState {
  listeners: Set<LoadListener>;
  /** package name → instances seen so far */
  loaded: Map<string, LoadedModule[]>;
  /** package name → top-level export names the ESM facade must make replaceable */
  watched: Map<string, Set<string>>;
  cjsInstalled: boolean;
  /** How many watched names are files inside a package (`pkg/dir/file.js`). */
  watchedFiles: number;
  /** The packages those files are in (`pkg`): only loads that may reach one are resolved again. */
  watchedFileOwners?: Set<string>;
  /** packages (with their names) already covered by a `module.register` call */
  esmRegistered: Map<string, string>;
  /** `module.registerHooks` was called (in-thread hooks; later packages are added to them). */
  inThreadHooks?: boolean;
  /** Builtin name (without `node:`) → callbacks to run once, the first time it is loaded. */
  builtinListeners?: Map<string, (() => void)[]>;
  /** stagescope's own time in the CommonJS hook, ns (see `moduleHooksOwnNs`). */
  ownNs?: number;
  /** True while that time is being measured (a load it causes is inside the outer measurement). */
  measuring?: boolean;
  /** Loads of the app's own code made while measuring (a library's lazy getter touched by patching), ns: not ours. */
  excludedNs?: number;
  /**
   * Watched packages being loaded by their name right now (`require('sharp')`
   * until it returns), with how many such loads are open: the relative
   * requires their entry makes while it loads are the package's internals.
   */
  loadingByName?: Map<string, number>;
}

const STATE_KEY = Symbol.for('stagescope.module-hooks.v1');
const ESM_KEY = Symbol.for('stagescope.esm.v1');
/** Called by the in-thread ESM resolve hook for every specifier (see `onFirstBuiltinLoad`). */
const BUILTIN_KEY = Symbol.for('stagescope.builtin.v1');
type GlobalWithState = typeof globalThis & {
  [STATE_KEY]?: HookState;
  [ESM_KEY]?: { onLoad: Function };
  [BUILTIN_KEY]?: (specifier: string, parentURL?: string) => void;
};
const g = globalThis as GlobalWithState;
/** For the in-thread ESM hooks, loaded only when a package is watched. */
const require = createRequire(import.meta.url);
/**
 * stagescope's own modules (`build/src/`, and the register bundles in
 * `build/bundle/`), as URLs and paths: a builtin they load (the output writer's
 * `child_process`) is not the script starting workers or children, and must not
 * start the reach machinery at the run's end.
 */
const OWN_CODE_URLS: readonly string[] = [new URL('../', import.meta.url).href, new URL('../../bundle/', import.meta.url).href];
const OWN_CODE_DIRS: readonly string[] = OWN_CODE_URLS.map((url) => fileURLToPath(url));
const isOwnCode = (location: string, roots: readonly string[]): boolean => roots.some((root) => location.startsWith(root));

const state: HookState = (g[STATE_KEY] ??= {
  listeners: new Set(),
  loaded: new Map(),
  watched: new Map(),
  cjsInstalled: false,
  watchedFiles: 0,
  esmRegistered: new Map(),
});

function remember(loaded: LoadedModule): void {
  let list = state.loaded.get(loaded.moduleName);
  if (list === undefined) state.loaded.set(loaded.moduleName, (list = []));
  if (list.some((entry) => entry.exports === loaded.exports)) return;
  list.push(loaded);
  for (const listener of state.listeners) {
    guarded(
      'SS_PATCH_FAILED',
      () => `patching ${loaded.moduleName} (${loaded.location}) failed`,
      () => listener.onModuleLoaded(loaded),
    );
  }
}

type ModuleInternals = typeof Module & {
  _load: (request: string, parent: unknown, isMain: boolean) => unknown;
  _resolveFilename: (request: string, parent: unknown, isMain: boolean) => string;
};

function installCjsHook(): void {
  if (state.cjsInstalled) return;
  state.cjsInstalled = true;
  const internals = Module as ModuleInternals;
  const originalLoad = internals._load;
  internals._load = function stagescopeLoad(this: unknown, request: string, parent: unknown, isMain: boolean): unknown {
    if (isMain) markScriptStart('commonjs'); // start-up ends where the script starts loading
    if (state.measuring === true) {
      // Inside stagescope's own work: a load it asked for itself (a builtin the
      // reach needs) is its cost; one the library makes (a lazy getter that
      // patching touched) is the app's, only earlier than without tracing.
      const parentFile = (parent as { filename?: unknown } | null)?.filename;
      const ours = typeof parentFile === 'string' && isOwnCode(parentFile, OWN_CODE_DIRS);
      const startNs = ours ? 0 : nowNs();
      // eslint-disable-next-line prefer-rest-params
      const exports = Reflect.apply(originalLoad, this, arguments);
      if (!ours) state.excludedNs = (state.excludedNs ?? 0) + nowNs() - startNs;
      return afterLoad(internals, request, parent, isMain, exports);
    }
    // Only stagescope's part is timed: the load itself is the app's.
    const byName = state.watched.has(request) ? request : undefined;
    let exports: unknown;
    if (byName === undefined) {
      // eslint-disable-next-line prefer-rest-params
      exports = Reflect.apply(originalLoad, this, arguments);
    } else {
      const loading = (state.loadingByName ??= new Map());
      loading.set(byName, (loading.get(byName) ?? 0) + 1);
      try {
        // eslint-disable-next-line prefer-rest-params
        exports = Reflect.apply(originalLoad, this, arguments);
      } finally {
        const open = loading.get(byName)! - 1;
        if (open === 0) loading.delete(byName);
        else loading.set(byName, open);
      }
    }
    let result: unknown;
    timedOwnWork(() => {
      result = afterLoad(internals, request, parent, isMain, exports);
    });
    return result;
  };
}

/** What the CommonJS hook does once a module has loaded: builtin listeners, and remembering a watched package. */
function afterLoad(internals: ModuleInternals, request: string, parent: unknown, isMain: boolean, exports: unknown): unknown {
  if (state.builtinListeners !== undefined && state.builtinListeners.size > 0) {
    const parentFile = (parent as { filename?: unknown } | null)?.filename;
    if (typeof parentFile !== 'string' || !isOwnCode(parentFile, OWN_CODE_DIRS)) builtinLoaded(request);
  }
  // `require('pkg')` passes the bare name; an ESM `import 'pkg'` of a CJS package
  // passes the resolved file name. Map both to the package name.
  let moduleName = state.watched.has(request) ? request : packageOfAbsolutePath(request);
  if ((moduleName === undefined || !state.watched.has(moduleName)) && state.watchedFiles > 0 && mayReachWatchedFile(request, parent)) {
    // A target naming a file inside a package, reached by a relative require.
    // Resolving again costs a cached lookup, paid only while such targets exist.
    try {
      moduleName = packageFileOfPath(internals._resolveFilename(request, parent, isMain));
    } catch {
      moduleName = undefined;
    }
  }
  if ((moduleName === undefined || !state.watched.has(moduleName)) && isPathRequest(request)) {
    // `require('../..')`, a linked copy outside node_modules, a demo loading
    // `../dist/x.js`: match the file by the package it is an entry of.
    moduleName = watchedPackageOfRequest(request, parent, isMain);
  }
  if (moduleName !== undefined && state.watched.has(moduleName)) {
    let location = request;
    try {
      location = internals._resolveFilename(request, parent, isMain);
    } catch {
      // keep the request as the location
    }
    remember({ moduleName, kind: 'cjs', exports, setters: undefined, location });
  }
  return exports;
}

/**
 * stagescope's own time in the module hooks since the process started, ns:
 * recognising the watched packages as they load, patching them (and loading
 * their hook code), rewriting a watched ESM module, and starting the worker and
 * child-process tracing when the script loads those builtins. Node's own cost
 * of routing every load through hooks is not in it (`bench:cost`'s module-load
 * rows), nor are the in-thread ESM hooks' quick checks of each resolution
 * (string tests; timing them would cost as much). The ESM hooks of Node 20 run
 * in a thread of their own: their time is not counted.
 */
export function moduleHooksOwnNs(): number {
  let ns = state.ownNs ?? 0;
  if (state.inThreadHooks === true) ns += (require('./esm-hooks.js') as typeof EsmHooks).inThreadOwnNs();
  return ns;
}

/**
 * Run `listener` once, the first time the script loads one of the builtins
 * `names` (`child_process`, with or without `node:`), before the loader hands it
 * over. Returns false when such a load could go unseen (no in-thread ESM hooks:
 * an `import 'node:child_process'` would not pass here); the caller must then
 * not wait for it.
 */
export function onFirstBuiltinLoad(names: readonly string[], listener: () => void): boolean {
  if (!state.cjsInstalled || !state.inThreadHooks) return false;
  const listeners = (state.builtinListeners ??= new Map());
  let fired = false;
  const once = (): void => {
    if (fired) return;
    fired = true;
    for (const name of names) listeners.delete(name);
    listener();
  };
  for (const name of names) {
    const list = listeners.get(name);
    if (list === undefined) listeners.set(name, [once]);
    else list.push(once);
  }
  g[BUILTIN_KEY] ??= builtinLoaded;
  return true;
}

/**
 * A module request or ESM specifier was seen: run the listeners of a watched
 * builtin (unless stagescope's own code asked for it).
 */
function builtinLoaded(request: string, parentURL?: string): void {
  if (parentURL !== undefined && isOwnCode(parentURL, OWN_CODE_URLS)) return;
  const name = request.startsWith('node:') ? request.slice(5) : request;
  const list = state.builtinListeners?.get(name);
  if (list === undefined) return;
  state.builtinListeners!.delete(name);
  // The ESM resolve hook (which sees `require` too) calls this before Node
  // loads the builtin: load it first, untimed. That load is the app's, which
  // it asked for and pays without tracing as well; timed inside the listeners
  // (whose modules require it), it was ~3 ms of worker_threads in OH.
  (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule?.(name);
  timedOwnWork(() => {
    for (const listener of list) guarded('SS_PATCH_FAILED', () => `preparing for ${name} failed`, listener);
  });
}

/** Run stagescope's own module-hook work, adding its time to `ownNs` unless an outer measurement already covers it. */
function timedOwnWork(work: () => void): void {
  if (state.measuring === true) {
    work();
    return;
  }
  state.measuring = true;
  const startNs = nowNs();
  const excludedBeforeNs = state.excludedNs ?? 0;
  try {
    work();
  } finally {
    state.ownNs = (state.ownNs ?? 0) + nowNs() - startNs - ((state.excludedNs ?? 0) - excludedBeforeNs);
    state.measuring = false;
  }
}

/**
 * Could this load be a file that a target names (`pkg/dir/file.js`)? Only then
 * is it resolved again. With the ocr preset (paddle's file targets) every
 * require in the process was resolved a second time: ~190 while the OCR example
 * loads, ~2 ms. String tests: a bare request naming such a package, or a path
 * (relative to its parent's folder) inside one.
 */
function mayReachWatchedFile(request: string, parent: unknown): boolean {
  if (request.startsWith('node:')) return false;
  const owners = state.watchedFileOwners;
  if (owners === undefined) return true; // state made by an older copy of this module
  let owner: string | undefined;
  if (path.isAbsolute(request)) owner = packageOfAbsolutePath(request);
  else if (request.startsWith('.')) {
    const parentFile = (parent as { filename?: unknown } | null)?.filename;
    if (typeof parentFile !== 'string') return true;
    owner = packageOfRelativeRequest(request, parentFile);
  } else {
    for (const name of owners) if (request === name || request.startsWith(`${name}/`)) return true;
    return false;
  }
  return owner !== undefined && owners.has(owner);
}

/** A relative or absolute specifier (`../..`, `./dist/x.js`, `/abs/file.js`), not a bare package name or builtin. */
function isPathRequest(request: string): boolean {
  return request.startsWith('.') || path.isAbsolute(request);
}

/**
 * The watched package a path request loads an entry of (nearest package.json
 * `name`, cached per directory; see package-of-file.ts), or undefined.
 * Costs a cached resolve per relative load, paid only when the specifier itself
 * did not already name a watched package.
 */
function watchedPackageOfRequest(request: string, parent: unknown, isMain: boolean): string | undefined {
  // A library's own relative require (`./lib/x`) stays inside its package:
  // when the path it names, taken as written, is in an unwatched package,
  // neither the resolution nor a manifest is needed.
  const parentFile = (parent as { filename?: unknown } | null)?.filename;
  if (!path.isAbsolute(request) && typeof parentFile === 'string' && parentFile.includes(NODE_MODULES)) {
    const owner = packageOfRelativeRequest(request, parentFile);
    if (owner !== undefined && !state.watched.has(owner)) return undefined;
    // A watched package's own relative require while the app loads it by name
    // (sharp's ~30 internal files, onnxruntime-common's ~25): the entry being
    // loaded is matched by that name when it returns. Resolving each again and
    // reading its folder's package.json was ~0.6 ms of the OCR example's
    // overhead.modulesNs (4.06 → 3.4 ms, medians of 8 runs). Outside
    // such a load (a package's own bin script requiring `../lib`) the entry
    // may be reached only this way, and is still looked up.
    if (owner !== undefined && state.loadingByName?.has(owner) === true && owner === packageOfAbsolutePath(parentFile)) return undefined;
  }
  let file: string;
  try {
    file = path.isAbsolute(request) ? request : (Module as ModuleInternals)._resolveFilename(request, parent, isMain);
  } catch {
    return undefined;
  }
  // A file inside node_modules belongs to the package of its folder: when that
  // package is not watched, no manifest needs reading (a library's own relative
  // requires are most of a process's loads).
  const owner = packageOfAbsolutePath(file);
  if (owner !== undefined && !state.watched.has(owner)) return undefined;
  return packageEntryOfFile(file, isWatchedName);
}

function isWatchedName(name: string): boolean {
  return state.watched.has(name);
}

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

/** `/a/node_modules/@scope/pkg/dist/x.js` → `@scope/pkg`; undefined outside node_modules. */
export function packageOfAbsolutePath(file: string): string | undefined {
  if (!path.isAbsolute(file)) return undefined;
  const index = file.lastIndexOf(NODE_MODULES);
  if (index < 0) return undefined;
  // Index arithmetic, not a split of the whole path: this runs for most loads.
  const start = index + NODE_MODULES.length;
  let end = file.indexOf(path.sep, start);
  if (end === start) return undefined;
  if (end >= 0 && file.charCodeAt(start) === 64 /* @ */) {
    const scopedEnd = file.indexOf(path.sep, end + 1);
    if (scopedEnd !== end + 1) end = scopedEnd;
  }
  const name = end < 0 ? file.slice(start) : file.slice(start, end);
  return name === '' ? undefined : name;
}

/**
 * The package a relative request (`./lib/x`, `../core`) of `parentFile` lands
 * in, as written, or undefined outside node_modules. A request that does not
 * climb (`..`) or name a nested node_modules stays in its parent's folder, so
 * in its parent's package: no path to resolve.
 */
function packageOfRelativeRequest(request: string, parentFile: string): string | undefined {
  if (!request.includes('..') && !request.includes('node_modules')) return packageOfAbsolutePath(parentFile);
  return packageOfAbsolutePath(path.resolve(path.dirname(parentFile), request));
}

/** `/a/node_modules/@scope/pkg/build/x.js` → `@scope/pkg/build/x.js`; undefined outside node_modules. */
export function packageFileOfPath(file: string): string | undefined {
  if (!path.isAbsolute(file)) return undefined;
  const index = file.lastIndexOf(NODE_MODULES);
  if (index < 0) return undefined;
  return file
    .slice(index + NODE_MODULES.length)
    .split(path.sep)
    .join('/');
}

/** Does a module name name a file inside a package (`pkg/dir/file.js`) rather than a package or export subpath? */
export function isPackageFileName(moduleName: string): boolean {
  // String tests, not a regular expression: this runs for every watched package
  // at start-up, and a process's first regular expression costs ~40 µs to compile.
  if (!(moduleName.endsWith('.js') || moduleName.endsWith('.cjs') || moduleName.endsWith('.mjs'))) return false;
  const firstSlash = moduleName.indexOf('/');
  if (firstSlash < 0) return false;
  return !moduleName.startsWith('@') || moduleName.indexOf('/', firstSlash + 1) > 0;
}

function installEsmHook(): void {
  g[ESM_KEY] ??= {
    onLoad(moduleName: string, url: string, namespace: object, setters: Setters): void {
      timedOwnWork(() => remember({ moduleName, kind: 'esm', exports: namespace, setters, location: url }));
    },
  };
  const pending: Record<string, string[]> = {};
  let any = false;
  for (const [name, exportNames] of state.watched) {
    const key = [...exportNames].sort().join(',');
    if (state.esmRegistered.get(name) === key) continue;
    state.esmRegistered.set(name, key);
    pending[name] = [...exportNames];
    any = true;
  }
  if (!any) return;
  const registerHooks = (Module as unknown as { registerHooks?: (hooks: object) => unknown }).registerHooks;
  const what = (): string => `could not register the ESM loader hook (ESM builds of ${Object.keys(pending).join(', ')} will not be traced)`;
  guarded('SS_ESM_HOOK_FAILED', what, () => {
    if (typeof registerHooks === 'function') {
      // Node ≥ 22.15: synchronous hooks in this thread, no hooks thread to start.
      const hooks = require('./esm-hooks.js') as typeof EsmHooks;
      hooks.useInThread(pending);
      if (!state.inThreadHooks) {
        state.inThreadHooks = true;
        registerHooks({ resolve: hooks.resolveSync, load: hooks.loadSync });
      }
      return;
    }
    if (typeof register !== 'function') return;
    register(new URL('./esm-hooks.js', import.meta.url), { data: { packages: pending } });
  });
}

/**
 * Watch packages: `packages` maps a package name to the top-level export names
 * that its targets replace. Installs the hooks on first use.
 */
export function watchModules(packages: Map<string, Set<string>>): void {
  for (const [name, exportNames] of packages) {
    let names = state.watched.get(name);
    if (names === undefined) {
      state.watched.set(name, (names = new Set()));
      if (isPackageFileName(name)) {
        state.watchedFiles++;
        (state.watchedFileOwners ??= new Set()).add(packageRootName(name));
      }
    }
    for (const exportName of exportNames) names.add(exportName);
  }
  installCjsHook();
  installEsmHook();
}

export function addLoadListener(listener: LoadListener): void {
  state.listeners.add(listener);
}

export function removeLoadListener(listener: LoadListener): void {
  state.listeners.delete(listener);
}

/** Instances of `moduleName` loaded so far (through the hooks or found in require.cache). */
export function loadedInstances(moduleName: string): readonly LoadedModule[] {
  return state.loaded.get(moduleName) ?? [];
}

/**
 * Find CommonJS copies of `moduleName` that were loaded before the hooks were
 * installed: resolve it the way a script in each of `basedirs` would, and look in
 * require.cache.
 */
export function findPreloaded(moduleName: string, basedirs: readonly string[]): void {
  const cache = (Module as unknown as { _cache: Record<string, { exports: unknown; loaded: boolean }> })._cache;
  // Nothing loaded through require yet (a process traced from its start), or
  // only files of other packages (a `-r dotenv/config` preload): no resolving,
  // which costs directory walks per watched package (0.1–0.8 ms each at
  // start-up). A file outside node_modules may be a linked copy: then resolve.
  const root = packageRootName(moduleName);
  const inPackage = `${NODE_MODULES}${root.split('/').join(path.sep)}${path.sep}`;
  if (!Object.keys(cache).some((file) => !file.includes(NODE_MODULES) || file.includes(inPackage))) return;
  const seen = new Set<string>();
  for (const basedir of basedirs) {
    let filename: string;
    try {
      filename = createRequire(path.join(basedir, '__stagescope__.js')).resolve(moduleName);
    } catch {
      continue;
    }
    if (seen.has(filename)) continue;
    seen.add(filename);
    const cached = cache[filename];
    if (cached !== undefined && cached.loaded) {
      remember({ moduleName, kind: 'cjs', exports: cached.exports, setters: undefined, location: filename });
    }
  }
}

/** `pkg`, `@scope/pkg`, `pkg/sub/path.js` → the package's name (`pkg`, `@scope/pkg`). */
function packageRootName(moduleName: string): string {
  const parts = moduleName.split('/');
  return moduleName.startsWith('@') && parts.length > 1 ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/** Can `moduleName` be resolved from any of `basedirs` (CJS or ESM conditions)? */
export function isResolvable(moduleName: string, basedirs: readonly string[]): boolean {
  for (const basedir of basedirs) {
    // A script inside the package's own checkout (tesseract.js's examples/node) loads it by path.
    if (nearestPackage(basedir)?.name === moduleName) return true;
    const req = createRequire(path.join(basedir, '__stagescope__.js'));
    try {
      req.resolve(moduleName);
      return true;
    } catch (error) {
      // An ESM-only package (no "require" condition) still exists if its package.json does.
      if ((error as NodeJS.ErrnoException).code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return true;
      try {
        req.resolve(`${moduleName}/package.json`);
        return true;
      } catch {
        // try the next basedir
      }
    }
  }
  return false;
}
