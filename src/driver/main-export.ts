import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isEsmFile } from './script-file.js';

/**
 * Scripts that `export async function main()` can be run by calling it. But many
 * scripts export `main` *and* start it themselves, in ways no text search can
 * rule out (`main()`, `setImmediate(main)`, `.then(main)`, `main.call(null)`,
 * `require.main === module && main()`); calling it again would run the user's
 * pipeline twice, which is never acceptable. So:
 *
 * - `true` (`--call-main`, `STAGESCOPE_CALL_MAIN=1`, `run(…, { callMain: true })`): call it.
 * - `false`: never call it.
 * - `'auto'` (default): call it only when it is certain the script does not:
 *   the word `main` appears in its code (comments and strings removed) only
 *   where it is declared and exported, never anywhere else.
 */
// The option table (presets/options/value-types.ts) parses and checks it for every way in.
export type CallMainMode = 'auto' | boolean;

/** Remove comments and the contents of string and template literals (approximate, errs towards keeping code). */
function codeOnly(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g, (match) => {
    if (match.startsWith('/')) return ' ';
    // A template with substitutions is code: keep it whole.
    return match.startsWith('`') && match.includes('${') ? match : '""';
  });
}

/**
 * Could this source start `main` itself? False only when every mention of the
 * identifier `main` is its declaration or an export of it; anything else (a
 * call, a reference passed along, `require.main`, `exports.main()`) counts.
 */
export function sourceMayCallMain(source: string): boolean {
  const code = codeOnly(source)
    // declarations: function main(, async function main(, function* main(, const/let/var main =
    .replace(/\b(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*main\s*\(/g, ' ')
    .replace(/\b(?:export\s+)?(?:const|let|var)\s+main\s*=(?!=)/g, ' ')
    // exports: export { main }, export { main as main }, exports.main = …, module.exports.main = …
    .replace(/\bexport\s*\{\s*main(?:\s+as\s+main)?\s*,?\s*\}/g, ' ')
    .replace(/\b(?:module\.)?exports\.main\s*=(?!=)(?:\s*main\b(?!\s*[.([]))?/g, ' ');
  return /(?<![\w$])main(?![\w$])/.test(code) || REACHES_EXPORTS.some((pattern) => pattern.test(code));
}

/**
 * Ways to reach the exported `main` without writing its name (`exports['ma' + 'in']()`,
 * `Object.values(module.exports)`, a namespace of the script itself, `eval`):
 * any of these, and "certain" no longer holds. Errs towards "may call": the
 * cost is a hint (SS_MAIN_NOT_CALLED) instead of a pipeline run twice.
 */
const REACHES_EXPORTS: readonly RegExp[] = [
  // the exports object as a value, or indexed: exports[…], f(exports), module.exports = …
  /\bexports\b(?!\s*\.\s*[\w$])/,
  /(?<![\w$.])module\b(?!\s*\.\s*exports\b)/,
  // CommonJS top-level `this` is module.exports: this[…], f(this)
  /(?<![\w$.])this\b(?!\s*\.\s*[\w$])/,
  // the script's own module by a computed name: import(x), require(x), import.meta, require.cache, __filename
  // (a literal path is checked against the script's own by sourceImportsItself)
  /\b(?:import|require)\s*\(\s*(?!""\s*[,)])|\bimport\s*\.\s*meta\b|\brequire\s*\.\s*cache\b|\b__filename\b|\bmainModule\b/,
  // CommonJS top-level `arguments` holds (exports, require, module, __filename, __dirname)
  /(?<![\w$.])arguments\b/,
  // code made from strings
  /(?<![\w$.])(?:eval|Function)\b/,
];

/** Does the source require or import the script itself by a relative path (`require('./run.cjs')[key]`)? */
export function sourceImportsItself(source: string, scriptPath: string): boolean {
  const own = stripScriptExtension(scriptPath);
  for (const match of source.matchAll(/(?:\brequire\s*\(|\bimport\s*\(|\bfrom)\s*(['"`])(\.{1,2}\/[^'"`]*)\1/g)) {
    const specifier = match[2]!;
    const resolved = path.resolve(path.dirname(scriptPath), specifier);
    if (resolved === scriptPath || stripScriptExtension(resolved) === own) return true;
  }
  return false;
}

function stripScriptExtension(file: string): string {
  return file.replace(/\.(?:[cm]?js|[cm]?ts)$/, '');
}

/** Does this source declare a function named `main` (declaration or `main =` binding)? */
export function sourceDeclaresMain(source: string): boolean {
  return /\bfunction\s*\*?\s*main\s*\(|\b(?:const|let|var)\s+main\s*=(?!=)|\bexports\.main\s*=(?!=)/.test(codeOnly(source));
}

export function shouldCallMain(mode: CallMainMode, scriptPath: string): boolean {
  if (mode !== 'auto') return mode;
  try {
    const source = readFileSync(scriptPath, 'utf8');
    // Nothing to call (no main): waiting for it would only cost the app an extra drain.
    return sourceDeclaresMain(source) && !sourceMayCallMain(source) && !sourceImportsItself(source, scriptPath);
  } catch {
    return false;
  }
}

/** The exports of the script already loaded as the main module (cached, not re-run). */
export async function loadedMainExports(scriptPath: string): Promise<Record<string, unknown> | undefined> {
  if (isEsmFile(scriptPath)) return (await import(pathToFileURL(scriptPath).href)) as Record<string, unknown>;
  const cached = createRequire(import.meta.url).cache[scriptPath];
  return cached?.exports as Record<string, unknown> | undefined;
}
