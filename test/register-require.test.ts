import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { RunDocument } from '../src/core/run-document.js';
import { repoRoot, runNode, tempDir } from './helpers.js';
import { CLS_MODEL } from './ort-cls.js';

/**
 * `node --require stagescope/register/<preset>` (scripts/bundle-register.mjs
 * step 3: the CommonJS twins the package's `require` condition names). The ES
 * module entries cannot be required (their top-level await made Node throw
 * ERR_REQUIRE_ASYNC_MODULE), and `-r …/register` is how OpenTelemetry's users
 * start a tracer.
 */

const require = createRequire(path.join(repoRoot, 'package.json'));

/** A CommonJS pipeline: three cls runs with real onnxruntime, what it prints depends only on the model's output. */
const pipeline = [
  `const ort = require(${JSON.stringify(require.resolve('onnxruntime-node'))});`,
  `(async () => {`,
  `  const session = await ort.InferenceSession.create(${JSON.stringify(CLS_MODEL)});`,
  `  for (let i = 0; i < 3; i++) {`,
  `    const input = new ort.Tensor('float32', new Float32Array(3 * 48 * 192).fill(i / 3), [1, 3, 48, 192]);`,
  `    const out = await session.run({ [session.inputNames[0]]: input });`,
  `    const scores = out[Object.keys(out)[0]].data;`,
  `    console.log(i, Array.from(scores, (x) => x.toFixed(3)).join(' '));`,
  `  }`,
  `})();`,
].join('\n');

describe('--require entries', () => {
  it('the package resolves stagescope/register/* to the CommonJS twins for require and to the ES modules for import', () => {
    for (const preset of ['', '/ocr', '/onnx', '/tfjs', '/sharp']) {
      const name = preset === '' ? 'index' : preset.slice(1);
      assert.equal(require.resolve(`stagescope/register${preset}`), path.join(repoRoot, 'build/bundle/register', `${name}.cjs`));
      assert.equal(import.meta.resolve(`stagescope/register${preset}`).endsWith(`/build/bundle/register/${name}.js`), true);
    }
  });

  it('traces a CommonJS pipeline started with -r exactly as --import does, and leaves its output alone', async () => {
    const dir = tempDir();
    const script = path.join(dir, 'pipeline.cjs');
    writeFileSync(script, pipeline);
    const plain = await runNode([script]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout.split('\n').length, 4, plain.stdout);
    const documents: RunDocument[] = [];
    for (const flags of [['-r', 'stagescope/register/ocr'], ['--require=stagescope/register/ocr'], ['--import', 'stagescope/register/ocr']]) {
      const json = path.join(dir, `run-${documents.length}.json`);
      const traced = await runNode([...flags, script], { env: { STAGESCOPE_JSON: json } });
      assert.equal(traced.code, 0, traced.stderr);
      assert.equal(traced.stdout, plain.stdout, `${flags.join(' ')}: the app's own output is unchanged`);
      assert.match(traced.stderr, /● run .*startup [\d.]+ ms/, `${flags.join(' ')}: the tree is printed, with the start-up`);
      documents.push(JSON.parse(readFileSync(json, 'utf8')) as RunDocument);
    }
    const shape = (doc: RunDocument): string[] => {
      const root = doc.spans.find((span) => span.parentId === null)!;
      return doc.spans
        .filter((span) => span.parentId === root.id)
        .map((span) => `${span.name} [${span.stage ?? '-'}] ${span.status}`)
        .sort();
    };
    const [required, joined, imported] = documents.map(shape);
    assert.equal(required!.filter((line) => line.startsWith('InferenceSession.run ')).length, 3, required!.join('\n'));
    assert.match(
      required!.find((line) => line.startsWith('InferenceSession.run '))!,
      /\[classification\] ok$/,
      'labelled by the onnx hook, as under --import',
    );
    assert.deepEqual(required, imported, 'the same spans, stages and outcomes as under --import');
    assert.deepEqual(joined, imported);
  });

  it("-r start-up is stagescope's own work, never Node's: no ES module loader part, and it ends where the entry does", async () => {
    const dir = tempDir();
    const script = path.join(dir, 'app.cjs');
    writeFileSync(script, `console.log('ran');`);
    let runs = 0;
    const overheadOf = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ startupNs?: number; startupImportNs?: number }> => {
      const json = path.join(dir, `run-${runs++}.json`);
      const result = await runNode(args, { env: { STAGESCOPE_JSON: json, STAGESCOPE_QUIET: '1', ...env } });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, 'ran\n');
      return (JSON.parse(readFileSync(json, 'utf8')) as { overhead: { startupNs?: number; startupImportNs?: number } }).overhead;
    };
    for (const [args, env] of [
      [['-r', 'stagescope/register/ocr', script], {}],
      [['-r', 'stagescope/register/ocr', '-e', `console.log('ran')`], {}],
      [[script], { NODE_OPTIONS: '--require stagescope/register/ocr' }],
    ] as const) {
      const overhead = await overheadOf([...args], env);
      assert.equal(overhead.startupImportNs, undefined, `${args.join(' ')}: Node's loader is not started for stagescope`);
      assert.ok(overhead.startupNs !== undefined && overhead.startupNs > 0, `${args.join(' ')}: start-up measured (${overhead.startupNs})`);
    }
    if (typeof (Module as { registerHooks?: unknown }).registerHooks !== 'function') {
      // Node < 22.15: stagescope's ESM hooks run in a thread of Node's, which
      // runs every `-r` preload again before the main thread goes on: a slow
      // one after stagescope's is then, rightly, in its start-up.
      return;
    }
    // A preload after stagescope's runs between its entry and the script (as
    // does the rest of Node's bootstrap, which a plain process pays too): none
    // of that is stagescope's start-up.
    const slowMs = 400;
    const slow = path.join(dir, 'slow.cjs');
    writeFileSync(slow, `const until = Date.now() + ${slowMs}; while (Date.now() < until);`);
    const after = await overheadOf(['-r', 'stagescope/register/ocr', '-r', slow, script]);
    assert.ok(after.startupNs !== undefined && after.startupNs < slowMs * 1e6, `the slow preload is not in the start-up (${after.startupNs} ns)`);
  });
});
