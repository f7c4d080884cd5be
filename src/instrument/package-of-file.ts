import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Which package a loaded file belongs to, whatever path reached it: a relative
 * `require('../..')` inside a library's own repository, an `npm link`ed copy
 * outside node_modules, a demo that loads `../dist/`. Pure file-system lookups,
 * cached per directory (a loaded file's folder is asked once), so the module
 * hooks can afford it on every relative load. No stagescope imports: the ESM
 * loader-hooks thread uses it too.
 */
interface PackageInfo {
  name: string;
  dir: string;
  /** The manifest, until its entries are worked out (then null). */
  manifest: Manifest | null;
  /** Absolute entry files: `main`, `module`, `browser`, every string under `exports` (`entriesOf`: on first use). */
  entries: Set<string> | null;
  /** `face-api` for a `main` of `dist/face-api.node.js`: sibling builds (`dist/face-api.node-wasm.js`) share it. */
  entryStems: Map<string, string> | null;
}

/** directory → nearest package (null: none up to the root) */
const byDir = new Map<string, PackageInfo | null>();

/** The nearest `package.json` with a `name` at or above `dir`, cached per directory. */
export function nearestPackage(dir: string): PackageInfo | null {
  const known = byDir.get(dir);
  if (known !== undefined) return known;
  let info: PackageInfo | null;
  const manifest = readManifest(path.join(dir, 'package.json'));
  if (manifest !== undefined && typeof manifest.name === 'string' && manifest.name !== '') {
    info = packageInfo(manifest, dir);
  } else {
    const parent = path.dirname(dir);
    info = parent === dir ? null : nearestPackage(parent);
  }
  byDir.set(dir, info);
  return info;
}

/** Name of the package `file` belongs to (nearest package.json with a name), or undefined. */
export function packageNameOfFile(file: string): string | undefined {
  if (!path.isAbsolute(file)) return undefined;
  return nearestPackage(path.dirname(file))?.name;
}

/**
 * The package whose public entry `file` is (its `main`, `module`, `browser`,
 * an `exports` target, or a sibling build next to `main` with the same stem,
 * like face-api's `dist/face-api.node-wasm.js`), or undefined. Internal files of
 * a package are not its entry: their exports are not the package's API, and
 * matching them would patch the wrong object.
 */
export function packageEntryOfFile(file: string, watched?: (name: string) => boolean): string | undefined {
  if (!path.isAbsolute(file) || !isScriptFile(file)) return undefined;
  const info = nearestPackage(path.dirname(file));
  if (info === null) return undefined;
  // The name first: an unwatched package's entries are never needed. Working
  // them out walks its `exports`, and on a process's first module load that
  // walk ran cold: 2.2–3.2 ms on Node 22, 0.15–0.37 ms on Node 24, for a
  // script in a project folder (stagescope's own package.json, 19 entries),
  // before the script's first statement.
  if (watched !== undefined && !watched(info.name)) return undefined;
  const { entries, entryStems } = entriesOf(info);
  if (entries.has(file)) return info.name;
  const stem = entryStems.get(path.dirname(file));
  if (stem !== undefined && path.basename(file).startsWith(`${stem}.`)) return info.name;
  return undefined;
}

/**
 * `.js`, `.cjs` or `.mjs`. Not a regular expression: this runs on a process's
 * first module load, where the first regular expression of the process costs
 * 0.1–0.15 ms to compile.
 */
function isScriptFile(file: string): boolean {
  return file.endsWith('.js') || file.endsWith('.mjs') || file.endsWith('.cjs');
}

/** Forget the cache (tests). */
export function clearPackageCache(): void {
  byDir.clear();
}

interface Manifest {
  name?: unknown;
  main?: unknown;
  module?: unknown;
  browser?: unknown;
  exports?: unknown;
}

function readManifest(file: string): Manifest | undefined {
  // Most folders of a package have no package.json: asked first, without the
  // ENOENT error a failed read throws (an Error with its stack, per folder).
  if (statSync(file, { throwIfNoEntry: false })?.isFile() !== true) return undefined;
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return value !== null && typeof value === 'object' ? (value as Manifest) : undefined;
  } catch {
    return undefined; // missing or unreadable: keep looking upwards
  }
}

function packageInfo(manifest: Manifest, dir: string): PackageInfo {
  // Only the fields entries come from are kept (not its dependencies, scripts...).
  const entryFields: Manifest = { main: manifest.main, module: manifest.module, browser: manifest.browser, exports: manifest.exports };
  return { name: manifest.name as string, dir, manifest: entryFields, entries: null, entryStems: null };
}

/** A package's entry files and entry stems, worked out from its manifest once. */
function entriesOf(info: PackageInfo): { entries: Set<string>; entryStems: Map<string, string> } {
  if (info.entries !== null && info.entryStems !== null) return { entries: info.entries, entryStems: info.entryStems };
  const manifest = info.manifest ?? {};
  const dir = info.dir;
  const entries = new Set<string>();
  const entryStems = new Map<string, string>();
  const add = (relative: unknown): void => {
    if (typeof relative !== 'string' || relative.includes('*')) return;
    let file = path.resolve(dir, relative);
    if (path.extname(file) === '') file = `${file}${relative.endsWith('/') ? 'index.js' : '.js'}`;
    entries.add(file);
  };
  const walk = (value: unknown): void => {
    if (typeof value === 'string') add(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(walk);
  };
  add(manifest.main ?? 'index.js');
  add(manifest.module);
  if (typeof manifest.browser === 'string') add(manifest.browser);
  walk(manifest.exports);
  if (typeof manifest.main === 'string') {
    const main = path.resolve(dir, manifest.main);
    const stem = path.basename(main).split('.')[0];
    // Only a distinctive stem: `index` would make every index.* in the folder an entry.
    if (stem !== undefined && stem !== '' && stem !== 'index' && stem !== 'main') entryStems.set(path.dirname(main), stem);
  }
  info.entries = entries;
  info.entryStems = entryStems;
  info.manifest = null;
  return { entries, entryStems };
}
