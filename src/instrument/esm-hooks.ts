/**
 * ESM loader hooks, run by Node in its hooks thread (registered with
 * `module.register`). For an ESM build of a targeted package (sharp's
 * `dist/index.mjs`, onnxruntime-common's `dist/esm`) imported by a bare
 * specifier, `load` hands stagescope the module's live namespace and a setter
 * per targeted top-level export, in one of two ways:
 *
 * - In place (preferred): the module's own source gets lines appended:
 *
 *     import * as ns from '<its own url>';           // its namespace (a self-import)
 *     globalThis[Symbol.for('stagescope.esm.v1')]?.onLoad('<pkg>', '<url>', ns, { createWorker: (v) => { createWorker = v; } });
 *
 *   The setter assigns the module's own binding, so live bindings stay live
 *   (a library that reassigns `export let x` is seen by the app, as without
 *   stagescope), the module keeps its URL (`import.meta.url` unchanged), and
 *   line numbers are untouched (lines are only appended). Used when every
 *   targeted name is a `let`/`var`/`function`/`class` binding declared in the
 *   module; an `export const x =` declaration becomes `export let   x =`
 *   (same length), since the library cannot reassign a const anyway.
 * - Facade (fallback: a target re-exported from another module, an imported
 *   binding, `export default <expression>`): a thin module replaces it,
 *
 *     import * as ns from '<url>?stagescope-original';
 *     export * from '<url>?stagescope-original';
 *     let __ss0 = ns.createWorker; export { __ss0 as "createWorker" };
 *     globalThis[…]?.onLoad('<pkg>', '<url>', ns, { createWorker: (v) => { __ss0 = v; } });
 *
 *   Those bindings cannot be reassigned by the library, so nothing live is lost;
 *   the original module's URL gains the query.
 *
 * `onLoad` runs on the main thread when the module body has run, before any
 * importer's body runs, and patches prototypes/statics in place; top-level
 * functions are swapped through the setters (namespaces cannot be assigned).
 * CommonJS builds are left to the `Module._load` hook.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { packageEntryOfFile } from './package-of-file.js';

const require = createRequire(import.meta.url);
let lexer: typeof import('es-module-lexer') | undefined;

/**
 * es-module-lexer, loaded and its WebAssembly compiled when the first watched
 * ESM module loads: ~4 ms that every traced process paid at start-up before,
 * though most load their libraries' CommonJS builds.
 */
function esmLexer(): typeof import('es-module-lexer') {
  if (lexer === undefined) {
    const loaded = require('es-module-lexer') as typeof import('es-module-lexer');
    loaded.initSync();
    lexer = loaded;
  }
  return lexer;
}

interface HookData {
  /** package name → export names to expose as replaceable `let` bindings */
  packages: Record<string, string[]>;
}

const ORIGINAL_QUERY = 'stagescope-original';
const BUILTIN_KEY = Symbol.for('stagescope.builtin.v1');
let packages: Record<string, string[]> = {};
/** facade URL → package name, recorded at resolve time */
const entries = new Map<string, string>();

export function initialize(data: HookData | undefined): void {
  packages = data?.packages ?? {};
}

type ResolveResult = { url: string; format?: string | null; shortCircuit?: boolean };
type LoadResult = { format: string; source?: string | ArrayBuffer | Uint8Array | null; shortCircuit?: boolean };

export async function resolve(
  specifier: string,
  context: { parentURL?: string; conditions: string[] },
  nextResolve: (specifier: string, context?: unknown) => Promise<ResolveResult>,
): Promise<ResolveResult> {
  return noteResolved(specifier, await nextResolve(specifier, context));
}

export async function load(
  url: string,
  context: { format?: string | null },
  nextLoad: (url: string, context?: unknown) => Promise<LoadResult>,
): Promise<LoadResult> {
  if (!entries.has(url)) return nextLoad(url, context);
  return transformLoaded(url, await nextLoad(url, context));
}

/**
 * The same hooks, synchronous, for `module.registerHooks` (Node ≥ 22.15 / 23.5):
 * they run in the main thread, so no hooks thread has to start. `module.register`
 * starts one and waits for it (~30 ms measured here, at every traced process's
 * start-up); Node 20 has only that.
 */
export function useInThread(watch: Record<string, string[]>): void {
  for (const [name, exportNames] of Object.entries(watch)) packages[name] = [...new Set([...(packages[name] ?? []), ...exportNames])];
}

export function resolveSync(
  specifier: string,
  context: { parentURL?: string; conditions: string[] },
  nextResolve: (specifier: string, context?: unknown) => ResolveResult,
): ResolveResult {
  // The main module (no parent): start-up ends here (core/process-marks.ts, SCRIPT_START_KEY).
  const main = context.parentURL === undefined && (globalThis as { [key: symbol]: unknown })[SCRIPT_START_KEY] === undefined;
  if (main) (globalThis as { [key: symbol]: bigint | undefined })[SCRIPT_START_KEY] = process.hrtime.bigint();
  // Builtins the main thread waits for (workers, child processes: module-hooks' onFirstBuiltinLoad).
  const builtinSeen = (globalThis as { [key: symbol]: ((specifier: string, parentURL?: string) => void) | undefined })[BUILTIN_KEY];
  if (builtinSeen !== undefined) builtinSeen(specifier, context.parentURL);
  const resolved = nextResolve(specifier, context);
  // What the main module is, as Node's resolution tells (core/process-marks.ts, MAIN_FORMAT_KEY).
  if (main) (globalThis as { [key: symbol]: unknown })[MAIN_FORMAT_KEY] = resolved.format ?? null;
  return noteResolved(specifier, resolved, context.parentURL);
}

export function loadSync(url: string, context: { format?: string | null }, nextLoad: (url: string, context?: unknown) => LoadResult): LoadResult {
  if (!entries.has(url)) return nextLoad(url, context);
  const loaded = nextLoad(url, context);
  const startNs = hrNs();
  try {
    return transformLoaded(url, loaded);
  } finally {
    addOwnNs(hrNs() - startNs);
  }
}

/**
 * Time these hooks spent on stagescope's own work in this thread, ns: package
 * lookups and rewriting watched ESM modules (module-hooks.ts adds it to its
 * own, see `moduleHooksOwnNs`). The quick string checks every resolution
 * passes are not timed: timing them would cost about as much.
 */
let ownNs = 0;

export function inThreadOwnNs(): number {
  return ownNs;
}

/** A monotonic reading in ns (no stagescope imports here: this module also runs in Node 20's hooks thread). */
function hrNs(): number {
  return Number(process.hrtime.bigint());
}

/** core/process-marks.ts's SCRIPT_START_KEY and MAIN_FORMAT_KEY (not imported: see `hrNs`). */
const SCRIPT_START_KEY = Symbol.for('stagescope.scriptStartHrNs');
const MAIN_FORMAT_KEY = Symbol.for('stagescope.mainFormat');

/** module-hooks.ts's shared state, when these hooks run in its thread. */
const MODULE_HOOKS_KEY = Symbol.for('stagescope.module-hooks.v1');

/** Add `elapsedNs` to this thread's own time, unless module-hooks.ts is timing stagescope's work around it already. */
function addOwnNs(elapsedNs: number): void {
  const moduleHooks = (globalThis as { [key: symbol]: { measuring?: boolean } | undefined })[MODULE_HOOKS_KEY];
  if (moduleHooks?.measuring !== true) ownNs += elapsedNs;
}

/**
 * A relative `require` inside a watched package that the app is loading by its
 * name (module-hooks.ts, `loadingByName`): the package's own internals, not
 * its entry reached by a path (that entry is the name being loaded). `file` is
 * the resolved file under node_modules (`sharp/lib/x.js`).
 */
function internalToPackageLoadingByName(file: string, parentURL: string | undefined): boolean {
  const loading = (globalThis as { [key: symbol]: { loadingByName?: Map<string, number> } | undefined })[MODULE_HOOKS_KEY]?.loadingByName;
  if (loading === undefined || loading.size === 0 || parentURL === undefined) return false;
  const owner = ownerOfPackageFile(file);
  if (!loading.has(owner)) return false;
  const parentFile = packageFileOfUrl(parentURL);
  return parentFile !== undefined && ownerOfPackageFile(parentFile) === owner;
}

function isWatchedName(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(packages, name);
}

/** Remember a resolved URL that is a watched package's entry (or a watched file inside one). */
function noteResolved(specifier: string, result: ResolveResult, parentURL?: string): ResolveResult {
  if (!result.url.startsWith('file:') || result.url.includes(ORIGINAL_QUERY)) return result;
  if (Object.prototype.hasOwnProperty.call(packages, specifier)) {
    entries.set(result.url, specifier);
  } else {
    // A target may name a file inside a package (`pkg/build/models/Detection.js`):
    // the library reaches it by a relative import, so match the resolved file.
    const file = packageFileOfUrl(result.url);
    if (file !== undefined && Object.prototype.hasOwnProperty.call(packages, file)) entries.set(result.url, file);
    else if (
      (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:')) &&
      !inUnwatchedPackage(file) &&
      !(file !== undefined && specifier.startsWith('.') && internalToPackageLoadingByName(file, parentURL))
    ) {
      // A package's entry reached by a path (`import '../../dist/x.mjs'`, a linked
      // copy): match it by the nearest package.json name.
      const startNs = hrNs();
      const name = packageEntryOfFile(fileURLToPath(result.url.split('?')[0]!), isWatchedName);
      if (name !== undefined) entries.set(result.url, name);
      addOwnNs(hrNs() - startNs);
    }
  }
  return result;
}

/** A watched ESM module's source, changed so stagescope can patch it (in place, or a facade). */
function transformLoaded(url: string, result: LoadResult): LoadResult {
  const packageName = entries.get(url);
  if (packageName === undefined) return result;
  if (result.format !== 'module' || result.source === undefined || result.source === null) return result;
  const source = typeof result.source === 'string' ? result.source : new TextDecoder().decode(result.source as Uint8Array);
  let exports: readonly ExportEntry[];
  try {
    exports = esmLexer()
      .parse(source)[1]
      .map((entry) => ({ name: entry.n ?? '', local: entry.ln, localStart: entry.ls }));
  } catch {
    return result; // a syntax the lexer does not know: leave the module alone
  }
  const inPlace = inPlaceSource(packageName, url, source, exports);
  if (inPlace !== undefined) return { format: 'module', source: inPlace, shortCircuit: true };
  return {
    format: 'module',
    source: facadeSource(
      packageName,
      url,
      exports.map((entry) => entry.name),
    ),
    shortCircuit: true,
  };
}

interface ExportEntry {
  /** Exported name. */
  name: string;
  /** Local binding name, when the module declares it (not for `export … from`, default expressions). */
  local: string | undefined;
  /** Offset of the local name in the source, or -1. */
  localStart: number;
}

/**
 * The module's own source with the hook call appended, or undefined when a
 * targeted name is not an assignable binding of this module (then: facade).
 */
function inPlaceSource(packageName: string, url: string, source: string, exports: readonly ExportEntry[]): string | undefined {
  const wanted = new Set(packages[packageName] ?? []);
  const code = blankCommentsAndStrings(source);
  if (code.includes('__stagescope_ns')) return undefined; // our appended name would clash
  let edited = source;
  const setters: string[] = [];
  for (const entry of exports) {
    if (!wanted.has(entry.name)) continue;
    const local = entry.local;
    if (local === undefined || entry.localStart < 0 || !/^[A-Za-z_$][\w$]*$/.test(local)) return undefined;
    const before = code.slice(0, entry.localStart);
    const constDeclaration = /\bexport\s+(const)\s+$/.exec(before);
    if (constDeclaration !== null) {
      // `export const x =` → `export let   x =`: same length, so no offset or line moves.
      const at = constDeclaration.index + constDeclaration[0].indexOf('const');
      edited = `${edited.slice(0, at)}let  ${edited.slice(at + 5)}`;
    } else if (!declaredAssignable(before, code, local)) {
      return undefined;
    }
    setters.push(`${JSON.stringify(entry.name)}: (v) => { ${local} = v; }`);
  }
  if (setters.length === 0) return undefined;
  const self = JSON.stringify(url);
  return [
    edited,
    // Appended on new lines: nothing above moves. A library that already uses the
    // name `__stagescope_ns` gets the facade instead (checked above).
    `import * as __stagescope_ns from ${self};`,
    `globalThis[Symbol.for('stagescope.esm.v1')]?.onLoad(${JSON.stringify(packageName)}, ${self}, __stagescope_ns, { ${setters.join(', ')} });`,
    '',
  ].join('\n');
}

/** Is `local` a `let`/`var`/`function`/`class` binding of this module (and never a const or an import)? */
function declaredAssignable(before: string, code: string, local: string): boolean {
  if (/\bexport\s+(?:default\s+)?(?:(?:let|var)\s+|(?:async\s+)?function\s*\*?\s*|class\s+)$/.test(before)) return true;
  const name = local.replace(/\$/g, '\\$');
  const declared = new RegExp(`\\b(?:let|var)\\s+${name}\\b|\\bfunction\\s*\\*?\\s*${name}\\s*\\(|\\bclass\\s+${name}\\b`).test(code);
  const constant = new RegExp(`\\bconst\\s+${name}\\b|\\bimport\\b[^;]*?[{,\\s]${name}\\b[^;]*?\\bfrom\\b`).test(code);
  return declared && !constant;
}

/** Same-length copy of `source` with comments and string contents blanked (offsets kept). */
function blankCommentsAndStrings(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g, (match) => {
    if (match.startsWith('`') && match.includes('${')) return match;
    return match.replace(/[^\n]/g, ' ');
  });
}

/**
 * Is `file` (as packageFileOfUrl gives it) inside node_modules, in a package no
 * target watches? Then it belongs to that package and cannot be a watched
 * package's entry: no package.json needs reading. These hooks also see every
 * `require`, and a library's own relative requires are most of a process's
 * loads (about 230 of them while the OCR example loads onnxruntime-node and sharp).
 */
function inUnwatchedPackage(file: string | undefined): boolean {
  if (file === undefined) return false;
  return !Object.prototype.hasOwnProperty.call(packages, ownerOfPackageFile(file));
}

/** `@scope/pkg/dist/x.js` → `@scope/pkg`; `pkg/x.js` → `pkg`. Index arithmetic: this runs for every relative resolution. */
function ownerOfPackageFile(file: string): string {
  const first = file.indexOf('/');
  if (first < 0) return file;
  if (!file.startsWith('@')) return file.slice(0, first);
  const second = file.indexOf('/', first + 1);
  return second < 0 ? file : file.slice(0, second);
}

/** `file:///…/node_modules/@scope/pkg/build/x.js` → `@scope/pkg/build/x.js`. */
function packageFileOfUrl(url: string): string | undefined {
  const marker = '/node_modules/';
  const index = url.lastIndexOf(marker);
  if (index < 0) return undefined;
  const query = url.indexOf('?', index);
  const encoded = url.slice(index + marker.length, query < 0 ? url.length : query);
  // Most URLs have nothing escaped: no decoding (and no new string) for them.
  const rest = encoded.includes('%') ? decodeURIComponent(encoded) : encoded;
  return rest === '' ? undefined : rest;
}

function facadeSource(packageName: string, url: string, exportNames: string[]): string {
  const original = JSON.stringify(`${url}${url.includes('?') ? '&' : '?'}${ORIGINAL_QUERY}`);
  const wanted = new Set(packages[packageName] ?? []);
  const lines = [`import * as ns from ${original};`, `export * from ${original};`];
  const setters: string[] = [];
  let index = 0;
  for (const name of exportNames) {
    const replace = wanted.has(name);
    if (!replace) {
      // `export *` skips `default`: re-export it as a live binding.
      if (name === 'default') lines.push(`export { default } from ${original};`);
      continue;
    }
    const local = `__ss${index++}`;
    lines.push(`let ${local} = ns[${JSON.stringify(name)}];`, `export { ${local} as ${JSON.stringify(name)} };`);
    setters.push(`${JSON.stringify(name)}: (v) => { ${local} = v; }`);
  }
  lines.push(
    `const hook = globalThis[Symbol.for('stagescope.esm.v1')];`,
    `if (hook !== undefined) hook.onLoad(${JSON.stringify(packageName)}, ${JSON.stringify(url)}, ns, { ${setters.join(', ')} });`,
  );
  return lines.join('\n');
}
