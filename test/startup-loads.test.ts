import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { presetDataDir } from '../src/paths.js';
import { PRESET_DEFINITIONS } from '../src/presets/definitions.js';
import { repoRoot, runNode, tempDir } from './helpers.js';

/**
 * What a traced process loads that the plain one does not (issue "Cost of
 * observation", start-up): pinned through the builtins Node records as loaded,
 * read by the script itself when it exits, after stagescope has finished.
 */
const probeScript = [
  `process.on('exit', () => {`,
  `  console.log(JSON.stringify(process.moduleLoadList.filter((m) => /^NativeModule (child_process|worker_threads)$/.test(m)).map((m) => m.slice(13)).sort()));`,
  `});`,
].join('\n');

describe('start-up loads', () => {
  it('a run that starts no child and asks for no picture loads neither child_process nor worker_threads (reach and writers stay unloaded)', async () => {
    const script = path.join(tempDir(), 'quiet.mjs');
    writeFileSync(script, probeScript);
    const plain = await runNode([script]);
    assert.equal(plain.stdout, '[]\n');
    const traced = await runNode(['--import', 'stagescope/register/ocr', script], { env: { STAGESCOPE_QUIET: '1' } });
    assert.equal(traced.code, 0, traced.stderr);
    const loaded = JSON.parse(traced.stdout) as string[];
    if (typeof (Module as { registerHooks?: unknown }).registerHooks === 'function') {
      // In-thread module hooks see the script load child_process or worker_threads;
      // until it does, the reach (spawn patch, worker patch) is not started, the
      // writers that draw pictures through a child process are not loaded without a
      // picture to draw, and stagescope tells the main thread from a worker without
      // loading worker_threads.
      assert.deepEqual(loaded, []);
    } else {
      // Node < 22.15: an ESM import of child_process cannot be seen before it happens,
      // so the reach starts with tracing.
      assert.deepEqual(loaded, ['child_process', 'worker_threads']);
    }
  });

  it('the --import entry is one file: stagescope loads no other module of its own, start to exit', async (t) => {
    if (typeof (Module as { registerHooks?: unknown }).registerHooks !== 'function') {
      t.skip('needs module.registerHooks (Node >= 22.15) to see ES module loads in this thread');
      return;
    }
    // Loaded first, it records every file of this package the process loads.
    const counter = path.join(tempDir(), 'count-loads.mjs');
    writeFileSync(
      counter,
      [
        `import { registerHooks } from 'node:module';`,
        `const own = ${JSON.stringify(pathToFileURL(path.join(repoRoot, 'build')).href + '/')};`,
        `const seen = [];`,
        `registerHooks({ load(url, context, next) { if (url.startsWith(own)) seen.push(url.slice(own.length)); return next(url, context); } });`,
        `process.on('exit', () => console.log(JSON.stringify(seen)));`,
      ].join('\n'),
    );
    const script = path.join(tempDir(), 'empty.mjs');
    writeFileSync(script, '');
    const traced = await runNode(['--import', counter, '--import', 'stagescope/register/ocr', script]);
    assert.equal(traced.code, 0, traced.stderr);
    assert.match(traced.stderr, /● run/, 'the run was traced and its tree printed');
    assert.deepEqual(JSON.parse(traced.stdout), ['bundle/register/ocr.js']);
  });

  it("start-up includes what Node did for the `--import` before stagescope's first line, when only the flag made Node start its module loader", async () => {
    const dir = tempDir();
    const cjs = path.join(dir, 'app.cjs');
    const esm = path.join(dir, 'app.mjs');
    const other = path.join(dir, 'other.mjs');
    writeFileSync(cjs, `console.log('ran');`);
    writeFileSync(esm, `console.log('ran');`);
    writeFileSync(other, '');
    let runs = 0;
    const overheadOf = async (args: string[]): Promise<{ startupNs?: number; startupImportNs?: number }> => {
      const json = path.join(dir, `run-${runs++}.json`);
      const result = await runNode(args, { env: { STAGESCOPE_JSON: json, STAGESCOPE_QUIET: '1' } });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, 'ran\n');
      return (JSON.parse(readFileSync(json, 'utf8')) as { overhead: { startupNs?: number; startupImportNs?: number } }).overhead;
    };
    const script = await overheadOf(['--import', 'stagescope/register/ocr', cjs]);
    assert.ok(script.startupImportNs !== undefined && script.startupImportNs > 0, `a CommonJS script: Node’s part ${script.startupImportNs}`);
    assert.ok(script.startupNs !== undefined && script.startupNs > script.startupImportNs, 'within the start-up, with stagescope’s own part');
    const evaluated = await overheadOf(['--import', 'stagescope/register/ocr', '-e', `console.log('ran')`]);
    assert.ok(evaluated.startupImportNs !== undefined && evaluated.startupImportNs > 0, '-e code: Node’s part counted');
    const module = await overheadOf(['--import', 'stagescope/register/ocr', esm]);
    assert.equal(module.startupImportNs, undefined, 'an ES module script: Node starts its loader for it anyway');
    assert.ok(module.startupNs !== undefined && module.startupNs > 0);
    const second = await overheadOf(['--import', other, '--import', 'stagescope/register/ocr', cjs]);
    assert.equal(second.startupImportNs, undefined, 'another import ran first: not stagescope’s');
    assert.ok(second.startupNs !== undefined && second.startupNs > 0);
  });

  it('a JSON target file is read without loading the YAML parser; a YAML one loads it', async () => {
    const dir = tempDir();
    const script = path.join(dir, 'yaml-loaded.cjs');
    writeFileSync(script, `process.on('exit', () => console.log(Object.keys(require.cache).some((file) => file.includes('/node_modules/yaml/'))));\n`);
    const json = path.join(dir, 'targets.json');
    writeFileSync(json, '{"targets": [{"module": "some-package", "export": "run"}]}');
    const yaml = path.join(dir, 'targets.yaml');
    writeFileSync(yaml, 'targets:\n  - module: some-package\n    export: run\n');
    for (const [targets, loaded] of [
      [json, 'false'],
      [yaml, 'true'],
    ] as const) {
      const traced = await runNode(['--import', 'stagescope/register', script], { env: { STAGESCOPE_QUIET: '1', STAGESCOPE_TARGETS: targets } });
      assert.equal(traced.code, 0, traced.stderr);
      assert.equal(traced.stdout, `${loaded}\n`, targets);
    }
  });

  it("each preset's --import start-up reads its built-in lists from build/presets/*.json: no presets/*.yaml read, no YAML parser loaded", async () => {
    const dir = tempDir();
    // Preloaded before the register entry, whose bundle takes readFileSync from
    // node:fs when it loads (scripts/bundle-register.mjs): every file it reads
    // under presets/ or build/presets/ is noted.
    const recorder = path.join(dir, 'record-reads.cjs');
    writeFileSync(
      recorder,
      [
        `const fs = require('node:fs');`,
        `const roots = ${JSON.stringify([path.join(repoRoot, 'presets') + path.sep, presetDataDir])};`,
        `const read = fs.readFileSync;`,
        `const seen = [];`,
        `fs.readFileSync = function (file, ...rest) {`,
        `  const name = typeof file === 'string' ? file : file instanceof URL ? require('node:url').fileURLToPath(file) : '';`,
        `  if (roots.some((root) => name.startsWith(root))) seen.push(name);`,
        `  return read.call(this, file, ...rest);`,
        `};`,
        `process.on('exit', () => console.log(JSON.stringify({ seen, yaml: Object.keys(require.cache).some((file) => file.includes('/node_modules/yaml/')) })));`,
      ].join('\n'),
    );
    const script = path.join(dir, 'empty.cjs');
    writeFileSync(script, '');
    for (const preset of ['ocr', 'onnx', 'sharp', 'tfjs'] as const) {
      const traced = await runNode(['--require', recorder, '--import', `stagescope/register/${preset}`, script], { env: { STAGESCOPE_QUIET: '1' } });
      assert.equal(traced.code, 0, traced.stderr);
      const { seen, yaml } = JSON.parse(traced.stdout) as { seen: string[]; yaml: boolean };
      const expected = PRESET_DEFINITIONS[preset].targetFiles.map((file) => path.join(presetDataDir, file.replace(/\.yaml$/, '.json')));
      assert.deepEqual([...new Set(seen)].sort(), [...expected].sort(), `${preset}: the files start-up read`);
      assert.equal(yaml, false, `${preset}: the YAML parser was loaded`);
    }
  });

  it('the tree reaches stderr whether or not the app made process.stderr, after what the app wrote', async () => {
    const dir = tempDir();
    // Prints nothing (console.log would make the stdout stream, which loads net); notes at exit
    // whether any stream module was loaded, in a file.
    const facts = path.join(dir, 'facts.json');
    const silent = path.join(dir, 'silent.mjs');
    writeFileSync(
      silent,
      `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(${JSON.stringify(facts)}, JSON.stringify(process.moduleLoadList.filter((m) => /^NativeModule (net|tty)$/.test(m)))));\n`,
    );
    const untouched = await runNode(['--import', 'stagescope/register/ocr', silent]);
    assert.equal(untouched.code, 0, untouched.stderr);
    assert.equal(untouched.stdout, '');
    assert.match(untouched.stderr, /^\[[\d:.]+ - [\d:.]+\] +\[100\.00%\] ● run /, 'the tree');
    // Node < 22.15 loads net at start-up anyway (the reach starts with tracing, see above): the stream is used.
    if (typeof (Module as { registerHooks?: unknown }).registerHooks === 'function') {
      assert.deepEqual(JSON.parse(readFileSync(facts, 'utf8')), [], 'written to fd 2: no stream was made for it');
    }
    const writes = path.join(dir, 'writes.mjs');
    writeFileSync(writes, `process.stderr.write('app line 1\\n');\nsetTimeout(() => process.stderr.write('app line 2\\n'), 5);\n`);
    const written = await runNode(['--import', 'stagescope/register/ocr', writes]);
    assert.equal(written.code, 0, written.stderr);
    assert.match(written.stderr, /^app line 1\napp line 2\n\[[\d:.]+ - [\d:.]+\] +\[100\.00%\] ● run /);
  });

  it("an app that prints to stdout only: the tree goes to fd 2 without making process.stderr; an app's own read of it gets Node's stream and getter back", async () => {
    const dir = tempDir();
    // console.log makes the stdout stream (a pipe here: net is loaded). The exit
    // listener runs after stagescope's (which printed the tree) and reports
    // whether the getter on process.stderr is still not Node's, i.e. the stream
    // was never made.
    const stdoutOnly = path.join(dir, 'stdout-only.mjs');
    writeFileSync(
      stdoutOnly,
      `console.log('out');\nprocess.on('exit', () => console.log('stderr getter is Node\\'s:', Object.getOwnPropertyDescriptor(process, 'stderr').get.toString().startsWith('function getStderr()')));\n`,
    );
    const plain = await runNode([stdoutOnly]);
    assert.equal(plain.stdout, "out\nstderr getter is Node's: true\n");
    const traced = await runNode(['--import', 'stagescope/register/ocr', stdoutOnly]);
    assert.equal(traced.code, 0, traced.stderr);
    assert.match(traced.stderr, /^\[[\d:.]+ - [\d:.]+\] +\[100\.00%\] ● run /, 'the tree, on fd 2');
    // Node < 22.15: module.register's loader thread loaded worker_threads before the watch could go in, so the stream is used.
    const watched = typeof (Module as { registerHooks?: unknown }).registerHooks === 'function';
    assert.equal(traced.stdout, `out\nstderr getter is Node's: ${!watched}\n`, 'the tree did not make process.stderr');
    // Reading process.stderr: the same stream kind and property as under plain node, then the tree after the app's line.
    const reads = path.join(dir, 'reads.mjs');
    writeFileSync(
      reads,
      [
        `const descriptor = Object.getOwnPropertyDescriptor(process, 'stderr');`,
        `console.log(typeof descriptor.get, descriptor.set, descriptor.enumerable, descriptor.configurable, descriptor.get.name);`,
        `const stream = process.stderr;`,
        `const after = Object.getOwnPropertyDescriptor(process, 'stderr');`,
        `console.log(stream === process.stderr, stream.constructor.name, after.get.toString().startsWith('function getStderr()'), after.enumerable, after.configurable);`,
        `stream.write('app line\\n');`,
      ].join('\n'),
    );
    const plainReads = await runNode([reads]);
    const tracedReads = await runNode(['--import', 'stagescope/register/ocr', reads]);
    assert.equal(tracedReads.code, 0, tracedReads.stderr);
    assert.equal(tracedReads.stdout, plainReads.stdout);
    assert.equal(plainReads.stdout.split('\n')[1], 'true Socket true true true');
    assert.match(tracedReads.stderr, /^app line\n\[[\d:.]+ - [\d:.]+\] +\[100\.00%\] ● run /);
  });

  it('the script loading child_process starts the reach: a forked child is traced into the run', async () => {
    const dir = tempDir();
    const child = path.join(dir, 'child.mjs');
    writeFileSync(child, `process.exit(0);\n`);
    const script = path.join(dir, 'parent.mjs');
    writeFileSync(
      script,
      [
        `import { fork } from 'node:child_process';`,
        `const c = fork(${JSON.stringify(child)});`,
        `c.on('exit', (code) => console.log('child exited', code));`,
        `process.on('exit', () => console.log('worker_threads loaded', process.moduleLoadList.includes('NativeModule worker_threads')));`,
      ].join('\n'),
    );
    const json = path.join(dir, 'run.json');
    const traced = await runNode(['--import', 'stagescope/register/ocr', script], { env: { STAGESCOPE_QUIET: '1', STAGESCOPE_JSON: json } });
    assert.equal(traced.code, 0, traced.stderr);
    // The spawn patch went in; the worker patch waits for worker_threads, which nothing loaded
    // (on Node < 22.15 the reach cannot wait for an ESM import and patches both at once).
    const inThreadHooks = typeof (Module as { registerHooks?: unknown }).registerHooks === 'function';
    assert.equal(traced.stdout, `child exited 0\nworker_threads loaded ${!inThreadHooks}\n`);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as { spans: { name: string; attributes: Record<string, unknown> }[] };
    const childSpan = doc.spans.find((span) => /^process .*child\.mjs$/.test(span.name));
    assert.ok(childSpan !== undefined, `a span for the child process: ${doc.spans.map((span) => span.name).join(', ')}`);
    assert.equal(typeof childSpan.attributes.pid, 'number');
  });
});
