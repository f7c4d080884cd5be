#!/usr/bin/env node
// Bundles stagescope's `--import` start-up into two kinds of file
// (issue "Cost of observation", docs/overhead.md):
// - build/bundle/register/runtime.js, the runtime: every module the entries
//   start, as one script whose value is a CommonJS-style function. The entries
//   compile it with V8's code cache (register/load-runtime-bundled.ts,
//   register/code-cache.ts): compiling its 440 KiB from source was most of a
//   traced process's start-up;
// - build/bundle/register/<name>.js, the entries the package's `./register/*`
//   exports point to: a few KiB of ES module each, for Node's module loader.
// Before either, Node loaded ~60 small ES modules one by one.
//
// The runtime must behave exactly like the modules it is made of:
// - `import.meta.url` in each module becomes that module's own file URL
//   (`new URL('../../src/x/y.js', <bundle URL>).href`), so paths computed
//   from it (package root, svg-child.js, the off-thread ESM hook file, the
//   linked register entry) are unchanged;
// - a lazy `require('./x.js')` (presets/lazy-modules.ts, registry.ts, …) stays
//   lazy: esbuild turns it into a module evaluated on first call, inside the
//   bundle, so no second copy of a module is ever loaded. For that the module's
//   own `const require = createRequire(import.meta.url);` line is removed and
//   the bundle's one `require` (for bare packages: yaml, the peers) resolves
//   from the same package as before;
// - `import(x)` goes through the entry's module loader (a vm script has none);
// - packages (yaml, es-module-lexer, the ML libraries) stay outside.
// State shared with a separately loaded copy of stagescope (the script's own
// `import 'stagescope'`) lives on globalThis under registered symbols already
// (core/context.ts, api/active-tracer.ts, instrument/module-hooks.ts).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const srcDir = path.join(root, 'build', 'src');
const outDir = path.join(root, 'build', 'bundle', 'register');
const ENTRIES = ['index', 'ocr', 'onnx', 'tfjs', 'sharp', 'linked', 'cli-run'];
/** The entries a user names on the command line: each also gets a CommonJS twin, for `--require` (step 3). */
const PRESET_ENTRIES = ['index', 'ocr', 'onnx', 'tfjs', 'sharp'];

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

/**
 * esbuild plugin: the rewrites above, for stagescope's compiled modules only.
 * `bundleUrl` is the expression for the output file's URL: `import.meta.url` in
 * the ES module entries; in the runtime script, a constant its wrapper sets.
 * In the runtime script, `import(x)` also becomes `__stagescopeImport(x)`: a vm
 * script has no module loader of its own, so the entry that compiles it passes
 * one in (register/load-runtime-bundled.ts).
 */
function keepModuleSemantics(bundleUrl, { rewriteImport, commonJs = false }) {
  return {
    name: 'keep-module-semantics',
    setup(bundler) {
      bundler.onLoad({ filter: /\.js$/ }, async (args) => {
        if (!args.path.startsWith(srcDir + path.sep)) return undefined;
        let contents = await readFile(args.path, 'utf8');
        const ownUrl = path.relative(outDir, args.path).split(path.sep).join('/');
        // Its import.meta.url is the bundle's own: it finds the runtime script next to the entry.
        if (!args.path.endsWith(`${path.sep}register${path.sep}load-runtime-bundled.js`)) {
          contents = contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(ownUrl)}, ${bundleUrl}).href`);
        } else if (commonJs) {
          contents = contents.replaceAll('import.meta.url', bundleUrl);
        }
        if (commonJs) contents = withoutEntryAwait(args.path, contents);
        const ownRequire = `const require = createRequire(new URL(${JSON.stringify(ownUrl)}, ${bundleUrl}).href);`;
        if (contents.includes(ownRequire)) contents = contents.replace(ownRequire, '');
        contents = contents.replace(BUILTIN_IMPORT, builtinRequire);
        if (rewriteImport) contents = contents.replace(/(?<![\w$.])import\(/g, '__stagescopeImport(');
        return { contents, loader: 'js', resolveDir: path.dirname(args.path) };
      });
    },
  };
}

/**
 * A preset entry's `await loadRuntime(…)`, for its CommonJS twin: the bundled
 * loadRuntime (register/load-runtime-bundled.ts) returns the runtime itself,
 * and a CommonJS module cannot wait at its top level. Only the entries await
 * at top level; a build whose entry still does fails.
 */
function withoutEntryAwait(file, contents) {
  const entry = PRESET_ENTRIES.some((name) => file === path.join(srcDir, 'register', `${name}.js`));
  if (!entry) return contents;
  const synchronous = contents.replace(/\bawait loadRuntime\(/g, 'loadRuntime(');
  if (/\bawait\b/.test(synchronous)) throw new Error(`bundle-register: ${file} still awaits; its CommonJS twin cannot`);
  return synchronous;
}

/** The entries' `./load-runtime.js` is the bundled loader (code cache) instead. */
const bundledRuntimeLoader = {
  name: 'bundled-runtime-loader',
  setup(bundler) {
    bundler.onResolve({ filter: /^\.\/load-runtime\.js$/ }, () => ({ path: path.join(srcDir, 'register', 'load-runtime-bundled.js') }));
  },
};

const started = performance.now();
const common = { bundle: true, platform: 'node', target: 'node20.19', packages: 'external', logLevel: 'warning', legalComments: 'none', metafile: true };

// 1. The runtime: one script whose value is a CommonJS-style function
//    (register/load-runtime-bundled.ts compiles it with V8's code cache). Strict,
//    like the ES modules it is made of.
const RUNTIME_PARAMS = 'exports, require, module, __filename, __dirname, __stagescopeImport';
const runtimeResult = await build({
  ...common,
  entryPoints: [path.join(srcDir, 'register', 'runtime.js')],
  outfile: path.join(outDir, 'runtime.js'),
  format: 'cjs',
  // Whitespace only (names stay, so stacks still name functions): the source
  // string stays on the V8 heap for the life of the process (lazy compiles
  // read it), and reading it is part of every start-up. 452 KiB became 331 KiB.
  // runtime.js.map (not in the package) maps positions back to build/src:
  // `node scripts/runtime-position.mjs 5:125506` (Node does not apply source
  // maps to a vm script's frames, even under --enable-source-maps).
  minifyWhitespace: true,
  sourcemap: 'external',
  // Pure ASCII, so the entry reads it as a one-byte string (latin1: no UTF-8 decoding).
  charset: 'ascii',
  banner: {
    js: [
      "// Not a module: register/load-runtime-bundled.ts compiles this script, with V8's code cache.",
      `(function (${RUNTIME_PARAMS}) {`,
      "'use strict';",
      "const __stagescopeBundleUrl = require('node:url').pathToFileURL(__filename).href;",
    ].join('\n'),
  },
  footer: { js: '})' },
  // paths.ts reads the version from package.json when it is not bundled.
  define: { STAGESCOPE_PACKAGE_VERSION: JSON.stringify(JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')).version) },
  plugins: [keepModuleSemantics('__stagescopeBundleUrl', { rewriteImport: true })],
});
if (runtimeResult.errors.length > 0) process.exit(1);
// esbuild escapes non-ASCII text in strings but keeps it in regular expression
// literals and comments. Each UTF-16 unit left becomes a \uXXXX escape, which
// means the same character in a regular expression, a string or an identifier
// (and is only text in a comment), so the entry can read the script as latin1:
// a one-byte string, without UTF-8 decoding.
const runtimeFile = path.join(outDir, 'runtime.js');
const runtimeText = (await readFile(runtimeFile, 'utf8')).replace(/[\u0080-\uffff]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`);
await writeFile(runtimeFile, runtimeText);
const leftImport = runtimeText.match(/(?<![\w$.])import\(/);
if (leftImport !== null) {
  process.stderr.write(`bundle-register: runtime.js still calls import() at offset ${leftImport.index}; it would throw in a vm script\n`);
  process.exit(1);
}
const runtimeHash = createHash('sha256').update(runtimeText).digest('hex').slice(0, 16);

// 2. The `--import` entries: small ES modules that load the runtime.
const result = await build({
  ...common,
  entryPoints: Object.fromEntries(ENTRIES.map((name) => [name, path.join(srcDir, 'register', `${name}.js`)])),
  outdir: outDir,
  format: 'esm',
  // Bare `require` (builtins only: checked below) from inside the bundle is
  // `process.getBuiltinModule` (every Node the package supports has it). Not
  // `import ... from 'node:module'`: Node makes an ES module facade for an
  // imported builtin, and that one import was ~0.35 ms of every traced
  // process's start-up, before its first statement. Not `createRequire` either:
  // the process's first one took 0.13–0.23 ms.
  // The start-up mark comes first (register/startup-mark.ts: the same key):
  // what the entry does before its own first statement (making `require`,
  // loading the builtins it needs) was ~0.5 ms the figure left out.
  banner: {
    js: "globalThis[Symbol.for('stagescope.loadStartHrNs')] ??= process.hrtime.bigint();\nconst require = (id) => process.getBuiltinModule(id);",
  },
  define: { STAGESCOPE_RUNTIME_HASH: JSON.stringify(runtimeHash) },
  plugins: [bundledRuntimeLoader, keepModuleSemantics('import.meta.url', { rewriteImport: false })],
});
if (result.errors.length > 0) process.exit(1);
// The entries' `require` knows builtins only, and the runtime's a plain call
// (register/load-runtime-bundled.ts: no resolve, no cache).
for (const name of ENTRIES) {
  const text = await readFile(path.join(outDir, `${name}.js`), 'utf8');
  const other = text.match(/__require\((?!"node:)[^)]*\)|\brequire\.(?:resolve|cache|main|extensions)\b/);
  if (other !== null) {
    process.stderr.write(`bundle-register: ${name}.js uses ${other[0]}; its require loads builtins only\n`);
    process.exit(1);
  }
}

// 3. CommonJS twins of the preset entries, build/bundle/register/<name>.cjs,
//    which the package's `require` condition names: `node --require
//    stagescope/register/ocr app.js` (OpenTelemetry's users write `-r …/register`
//    by habit). The ES module entries cannot be required: their top-level await
//    made Node throw ERR_REQUIRE_ASYNC_MODULE. Not a faster start: a CommonJS
//    script's whole process took as long under `-r` as under `--import`
//    (docs/overhead.md, start-up).
const cjsResult = await build({
  ...common,
  entryPoints: Object.fromEntries(PRESET_ENTRIES.map((name) => [name, path.join(srcDir, 'register', `${name}.js`)])),
  outdir: outDir,
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  // `require` is Node's own here (a CommonJS module's), which loads builtins
  // without an ES module facade; the entry's URL is made from its file name.
  banner: {
    js: "'use strict';\nglobalThis[Symbol.for('stagescope.loadStartHrNs')] ??= process.hrtime.bigint();\nconst __stagescopeEntryUrl = require('node:url').pathToFileURL(__filename).href;",
  },
  define: { STAGESCOPE_RUNTIME_HASH: JSON.stringify(runtimeHash) },
  plugins: [bundledRuntimeLoader, keepModuleSemantics('__stagescopeEntryUrl', { rewriteImport: false, commonJs: true })],
});
if (cjsResult.errors.length > 0 || cjsResult.warnings.length > 0) process.exit(1);
for (const name of PRESET_ENTRIES) {
  // Its types, for TypeScript's CommonJS resolution: a module that exports nothing
  // (build/src/register/<name>.d.ts says the same in ES module terms).
  await writeFile(path.join(outDir, `${name}.d.cts`), '// The --require entry of stagescope/register: it starts tracing and exports nothing.\nexport {};\n');
  const text = await readFile(path.join(outDir, `${name}.cjs`), 'utf8');
  const other = text.match(/\brequire\((?!["']node:)[^)]*\)|\bimport\.meta\b/);
  if (other !== null) {
    process.stderr.write(`bundle-register: ${name}.cjs uses ${other[0]}; it loads builtins only, and has no import.meta\n`);
    process.exit(1);
  }
}
const runtimeMember = runtimeText.match(/(?<![\w$.])require\.(?:resolve|cache|main|extensions)\b/);
if (runtimeMember !== null) {
  process.stderr.write(`bundle-register: runtime.js uses ${runtimeMember[0]}; the require it is given only loads\n`);
  process.exit(1);
}
const outputs = { ...runtimeResult.metafile.outputs, ...result.metafile.outputs, ...cjsResult.metafile.outputs };
const bytes = Object.entries(outputs).map(([file, output]) => `${path.basename(file)} ${Math.round(output.bytes / 1024)} KiB`);
process.stdout.write(`register bundles (${Math.round(performance.now() - started)} ms): ${bytes.join(', ')}\n`);

// `node scripts/bundle-register.mjs --report`: what the runtime script is made of, by folder.
if (process.argv.includes('--report')) {
  // Outputs hold runtime.js.map too, which has no inputs.
  const output = Object.entries(runtimeResult.metafile.outputs).find(([file]) => file.endsWith('runtime.js'))[1];
  const byFolder = new Map();
  for (const [file, input] of Object.entries(output.inputs)) {
    const folder = path.relative(srcDir, path.resolve(root, file)).split(path.sep).slice(0, -1).join('/') || '.';
    byFolder.set(folder, (byFolder.get(folder) ?? 0) + input.bytesInOutput);
  }
  for (const [folder, bytes] of [...byFolder].sort((a, b) => b[1] - a[1]))
    process.stdout.write(`${String(Math.round(bytes / 1024)).padStart(5)} KiB  ${folder}\n`);
}
