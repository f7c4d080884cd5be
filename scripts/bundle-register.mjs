#!/usr/bin/env node
// Bundles each `--import` entry (build/src/register/<name>.js) into one file,
// build/bundle/register/<name>.js, which the package's `./register/*` exports
// point to. Why: start-up is paid by every traced process, and most of it was
// Node loading ~60 small ES modules one by one (resolve, read, compile, link;
// issue "Cost of observation", docs/overhead.md). One file is one load.
//
// The bundle must behave exactly like the modules it is made of:
// - `import.meta.url` in each module becomes that module's own file URL
//   (`new URL('../../src/x/y.js', import.meta.url).href`), so paths computed
//   from it (package root, svg-child.js, the off-thread ESM hook file, the
//   linked register entry) are unchanged;
// - a lazy `require('./x.js')` (presets/lazy-modules.ts, registry.ts, …) stays
//   lazy: esbuild turns it into a module evaluated on first call, inside the
//   bundle, so no second copy of a module is ever loaded. For that the module's
//   own `const require = createRequire(import.meta.url);` line is removed and
//   the bundle declares one `require` (for bare packages: yaml, the peers) at
//   its top, resolving from the same package as before;
// - packages (yaml, es-module-lexer, the ML libraries) stay outside.
// State shared with a separately loaded copy of stagescope (the script's own
// `import 'stagescope'`) lives on globalThis under registered symbols already
// (core/context.ts, api/active-tracer.ts, instrument/module-hooks.ts).
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const srcDir = path.join(root, 'build', 'src');
const outDir = path.join(root, 'build', 'bundle', 'register');
const ENTRIES = ['index', 'ocr', 'onnx', 'tfjs', 'sharp', 'linked'];

/**
 * `import … from 'node:x'` at the top of a module becomes `const … = require('node:x')`
 * in its place. An ES import would be hoisted to the top of the bundle and load
 * every builtin any module might need (child_process, net, os, crypto, v8: ~10 ms)
 * at start-up; a require runs when its module does, so a lazily required module's
 * builtins stay unloaded until it is used. Builtins' ES exports are the CommonJS
 * ones (`import fs` is `module.exports`), so the bindings are the same.
 */
const BUILTIN_IMPORT = /^import (?:(\* as \w+)|(\w+)?(?:, )?(?:\{([^}]*)\})?) from '(node:[\w/]+)';$/gm;

function builtinRequire(line, namespace, defaultName, named, specifier) {
  if (namespace !== undefined) return `const ${namespace.slice(5)} = require('${specifier}');`;
  const parts = [];
  const whole = defaultName ?? `__builtin_${specifier.replace(/\W/g, '_')}`;
  if (defaultName !== undefined || named !== undefined) parts.push(`const ${whole} = require('${specifier}');`);
  if (named !== undefined) {
    const fields = named
      .split(',')
      .map((field) => field.trim())
      .filter((field) => field !== '')
      .map((field) => field.replace(/^(\w+) as (\w+)$/, '$1: $2'));
    parts.push(`const { ${fields.join(', ')} } = ${whole};`);
  }
  if (parts.length === 0) throw new Error(`bundle-register: cannot rewrite "${line}"`);
  return parts.join(' ');
}

/** esbuild plugin: the rewrites above, for stagescope's compiled modules only. */
const keepModuleSemantics = {
  name: 'keep-module-semantics',
  setup(bundler) {
    bundler.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(srcDir + path.sep)) return undefined;
      let contents = await readFile(args.path, 'utf8');
      const ownUrl = path.relative(outDir, args.path).split(path.sep).join('/');
      contents = contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(ownUrl)}, import.meta.url).href`);
      const ownRequire = `const require = createRequire(new URL(${JSON.stringify(ownUrl)}, import.meta.url).href);`;
      if (contents.includes(ownRequire)) contents = contents.replace(ownRequire, '');
      contents = contents.replace(BUILTIN_IMPORT, builtinRequire);
      return { contents, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

const started = performance.now();
const result = await build({
  entryPoints: Object.fromEntries(ENTRIES.map((name) => [name, path.join(srcDir, 'register', `${name}.js`)])),
  outdir: outDir,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  packages: 'external',
  // Bare `require` (yaml, peers) from inside the bundle: the same resolution as
  // from build/src, since both are inside this package.
  banner: { js: "import { createRequire as __stagescopeCreateRequire } from 'node:module';\nconst require = __stagescopeCreateRequire(import.meta.url);" },
  plugins: [keepModuleSemantics],
  logLevel: 'warning',
  legalComments: 'none',
  metafile: true,
});
if (result.errors.length > 0) process.exit(1);
const bytes = Object.entries(result.metafile.outputs).map(([file, output]) => `${path.basename(file)} ${Math.round(output.bytes / 1024)} KiB`);
process.stdout.write(`register bundles (${Math.round(performance.now() - started)} ms): ${bytes.join(', ')}\n`);

// `node scripts/bundle-register.mjs --report`: what the ocr bundle is made of, by folder.
if (process.argv.includes('--report')) {
  const output = Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('/ocr.js'))[1];
  const byFolder = new Map();
  for (const [file, input] of Object.entries(output.inputs)) {
    const folder = path.relative(srcDir, path.resolve(root, file)).split(path.sep).slice(0, -1).join('/') || '.';
    byFolder.set(folder, (byFolder.get(folder) ?? 0) + input.bytesInOutput);
  }
  for (const [folder, bytes] of [...byFolder].sort((a, b) => b[1] - a[1]))
    process.stdout.write(`${String(Math.round(bytes / 1024)).padStart(5)} KiB  ${folder}\n`);
}
