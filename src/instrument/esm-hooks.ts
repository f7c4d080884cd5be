/**
 * ESM loader hooks, run by Node in its hooks thread (registered with
 * `module.register`). For an ESM build of a targeted package (sharp's
 * `dist/index.mjs`, onnxruntime-common's `dist/esm`) imported by a bare
 * specifier, `load` returns a thin facade module instead:
 *
 *   import * as ns from '<url>?stagescope-original';
 *   export * from '<url>?stagescope-original';
 *   export let createWorker = ns.createWorker;        // only targeted top-level names
 *   globalThis[Symbol.for('stagescope.esm.v1')]?.onLoad('<pkg>', '<url>', ns, setters);
 *
 * `onLoad` runs on the main thread while the facade evaluates, i.e. before the
 * importer's body runs, and patches prototypes/statics in place; top-level
 * functions are swapped through the setters (namespaces cannot be assigned).
 * CommonJS builds are left to the `Module._load` hook.
 */
import { fileURLToPath } from 'node:url';
import { init, parse } from 'es-module-lexer';
import { packageEntryOfFile } from '../reach/package-of-file.js';

interface HookData {
  /** package name → export names to expose as replaceable `let` bindings */
  packages: Record<string, string[]>;
}

const ORIGINAL_QUERY = 'stagescope-original';
let packages: Record<string, string[]> = {};
/** facade URL → package name, recorded at resolve time */
const entries = new Map<string, string>();

export async function initialize(data: HookData | undefined): Promise<void> {
  packages = data?.packages ?? {};
  await init;
}

type ResolveResult = { url: string; format?: string | null; shortCircuit?: boolean };
type LoadResult = { format: string; source?: string | ArrayBuffer | Uint8Array | null; shortCircuit?: boolean };

export async function resolve(
  specifier: string,
  context: { parentURL?: string; conditions: string[] },
  nextResolve: (specifier: string, context?: unknown) => Promise<ResolveResult>,
): Promise<ResolveResult> {
  const result = await nextResolve(specifier, context);
  if (!result.url.startsWith('file:') || result.url.includes(ORIGINAL_QUERY)) return result;
  if (Object.prototype.hasOwnProperty.call(packages, specifier)) {
    entries.set(result.url, specifier);
  } else {
    // A target may name a file inside a package (`pkg/build/models/Detection.js`):
    // the library reaches it by a relative import, so match the resolved file.
    const file = packageFileOfUrl(result.url);
    if (file !== undefined && Object.prototype.hasOwnProperty.call(packages, file)) entries.set(result.url, file);
    else if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:')) {
      // A package's entry reached by a path (`import '../../dist/x.mjs'`, a linked
      // copy): match it by the nearest package.json name.
      const name = packageEntryOfFile(fileURLToPath(result.url.split('?')[0]!));
      if (name !== undefined && Object.prototype.hasOwnProperty.call(packages, name)) entries.set(result.url, name);
    }
  }
  return result;
}

export async function load(
  url: string,
  context: { format?: string | null },
  nextLoad: (url: string, context?: unknown) => Promise<LoadResult>,
): Promise<LoadResult> {
  const packageName = entries.get(url);
  if (packageName === undefined) return nextLoad(url, context);
  const result = await nextLoad(url, context);
  if (result.format !== 'module' || result.source === undefined || result.source === null) return result;
  const source = typeof result.source === 'string' ? result.source : new TextDecoder().decode(result.source as Uint8Array);
  let exportNames: string[];
  try {
    exportNames = parse(source)[1].map((entry) => entry.n);
  } catch {
    return result; // a syntax the lexer does not know: leave the module alone
  }
  return { format: 'module', source: facadeSource(packageName, url, exportNames), shortCircuit: true };
}

/** `file:///…/node_modules/@scope/pkg/build/x.js` → `@scope/pkg/build/x.js`. */
function packageFileOfUrl(url: string): string | undefined {
  const marker = '/node_modules/';
  const index = url.lastIndexOf(marker);
  if (index < 0) return undefined;
  const rest = decodeURIComponent(url.slice(index + marker.length).split('?')[0]!);
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
