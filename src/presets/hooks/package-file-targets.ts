import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { reportDiagnostic } from '../../core/diagnostics.js';
import { addLoadListener, loadedInstances, removeLoadListener, watchModules, type LoadedModule, type Setters } from '../../instrument/module-hooks.js';
import type { ResolvedTarget } from '../../instrument/target.js';

/**
 * Targets in a file inside a package that the package's entry does not export
 * (`module: "@gutenye/ocr-common/build/models/Detection.js"`): a class the
 * library uses internally. When the package itself is loaded, the file is
 * loaded from that same copy (module caches are keyed by file, so this is the
 * very instance the library uses, not a second one) and announced to the
 * instrumenters under the target's module name, like any loaded module.
 *
 * Only property paths below the file's exports are patched this way
 * (`Class.prototype.method`, `Class.static`); an ESM namespace's own bindings
 * cannot be swapped from outside.
 *
 * This lives with the presets because only the OCR preset needs it so far; the
 * natural home is the module hooks.
 */
const PACKAGE_FILE = /^((?:@[\w.-]+\/)?[\w.-]+)\/(.+\.(?:js|mjs|cjs))$/;

/** The channel module-hooks.ts installs for ESM facades (`stagescope.esm.v1`). */
const ESM_KEY = Symbol.for('stagescope.esm.v1');
type LoadChannel = { onLoad(moduleName: string, url: string, namespace: object, setters: Setters): void };

/** `pkg/sub/file.js` → `[pkg, sub/file.js]`, or undefined for a plain package name or export subpath. */
export function splitPackageFile(moduleName: string): [string, string] | undefined {
  const match = PACKAGE_FILE.exec(moduleName);
  return match === null ? undefined : [match[1]!, match[2]!];
}

/** The root folder of `packageName` that contains `location` (a file path or file: URL). */
function packageRoot(location: string, packageName: string): string | undefined {
  let dir = path.dirname(location.startsWith('file:') ? fileURLToPath(location) : location);
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === packageName) return dir;
      } catch {
        // an unreadable package.json: keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Start watching the packages that `targets` name files of. Returns a function
 * that stops watching (patches already made stay with the instrumenter).
 */
export function watchPackageFiles(targets: readonly ResolvedTarget[]): () => void {
  const files = new Map<string, Set<string>>();
  for (const target of targets) {
    const split = splitPackageFile(target.module);
    if (split === undefined) continue;
    const [packageName, subpath] = split;
    let set = files.get(packageName);
    if (set === undefined) files.set(packageName, (set = new Set()));
    set.add(subpath);
  }
  if (files.size === 0) return () => undefined;
  const done = new Set<string>();
  const listener = {
    onModuleLoaded(loaded: LoadedModule): void {
      const subpaths = files.get(loaded.moduleName);
      if (subpaths === undefined) return;
      const root = packageRoot(loaded.location, loaded.moduleName);
      if (root === undefined) return;
      for (const subpath of subpaths) {
        const file = path.join(root, subpath);
        if (done.has(file)) continue;
        done.add(file);
        loadPackageFile(`${loaded.moduleName}/${subpath}`, file, loaded.kind);
      }
    },
  };
  watchModules(new Map([...files.keys()].map((name) => [name, new Set<string>()])));
  addLoadListener(listener);
  for (const packageName of files.keys()) for (const loaded of loadedInstances(packageName)) listener.onModuleLoaded(loaded);
  return () => removeLoadListener(listener);
}

function announce(moduleName: string, url: string, namespace: unknown): void {
  const channel = (globalThis as { [ESM_KEY]?: LoadChannel })[ESM_KEY];
  if (channel === undefined || (typeof namespace !== 'object' && typeof namespace !== 'function') || namespace === null) return;
  channel.onLoad(moduleName, url, namespace, {});
}

function loadPackageFile(moduleName: string, file: string, kind: LoadedModule['kind']): void {
  const url = pathToFileURL(file).href;
  const fail = (error: unknown): void =>
    reportDiagnostic('SS_TARGET_MODULE_MISSING', `could not load ${moduleName} (${file}) to patch it: ${String(error)}; its targets are skipped`, error);
  if (kind === 'cjs' && !file.endsWith('.mjs')) {
    try {
      announce(moduleName, file, createRequire(file)(file));
    } catch (error) {
      fail(error);
    }
    return;
  }
  // Already evaluated as part of the package's graph: this resolves from the module cache.
  import(url).then((namespace: unknown) => announce(moduleName, url, namespace), fail);
}
