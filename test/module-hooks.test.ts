import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { RunDocument } from '../src/core/run-document.js';
import { fixture, readRun, runCli, runNode, spanIndex, tempDir } from './helpers.js';

const targets = fixture('targets/fake.yaml');

async function traced(script: string, extra: string[] = []): Promise<{ doc: RunDocument; stdout: string; stderr: string; code: number | null }> {
  const json = path.join(tempDir(), 'run.json');
  const result = await runCli(['run', '--targets', targets, '--json', json, '--quiet', ...extra, '--', fixture('scripts', script)]);
  assert.equal(result.code, 0, result.stderr);
  return { doc: readRun(json), ...result };
}

/** name [stage] with children, in start order — the shape a user sees. */
function shape(doc: RunDocument): string[] {
  const { root, children } = spanIndex(doc);
  const out: string[] = [];
  const walk = (span: typeof root, depth: number): void => {
    out.push(`${'  '.repeat(depth)}${span.name}${span.stage === null ? '' : ` [${span.stage}]`}`);
    for (const child of children(span)) walk(child, depth + 1);
  };
  walk(root, 0);
  return out;
}

describe('module hooks patch the copy the script loads', () => {
  it('a CJS script and an ESM script, each importing the library its own way, produce the same tree', async () => {
    const cjs = await traced('pipeline.cjs');
    const esm = await traced('pipeline.mjs');
    assert.equal(cjs.stdout, esm.stdout, 'same program output');
    const expected = [
      'run',
      '  Engine.create [load]',
      '  Engine.run [detection]',
      '  createWorker [load]',
      '  worker.recognize [recognition]',
      '  worker.recognize [recognition]',
      '  syncAdd [preprocess]',
    ];
    assert.deepEqual(shape(cjs.doc), expected);
    assert.deepEqual(shape(esm.doc), expected);
    assert.equal(cjs.doc.wrappedCalls, 6);
  });

  it('patches an ESM-only package: top-level function exports through live bindings, classes in place', async () => {
    const { doc, stdout } = await traced('esm-lib.mjs');
    assert.deepEqual(JSON.parse(stdout), { text: 'rec(box:page)', version: '1.0.0' });
    assert.deepEqual(shape(doc), ['run', '  detect [detection]', '  classify [classification]', '  Model.load [load]', '  Model.predict [recognition]']);
  });

  it('patches both builds of a dual CJS/ESM package', async () => {
    const { doc, stdout } = await traced('dual.mjs');
    assert.deepEqual(JSON.parse(stdout), ['esm:x:2', 'cjs:y:3']);
    const toBuffer = spanIndex(doc).named('pipeline.toBuffer');
    assert.equal(toBuffer.length, 2, 'one span from each build');
  });

  it('patches a class in a file inside a package (not exported by its entry), CJS and ESM, from its first call', async () => {
    const json = path.join(tempDir(), 'run.json');
    const result = await runCli([
      'run',
      '--preset',
      'custom',
      '--targets',
      fixture('targets/internal.yaml'),
      '--json',
      json,
      '--quiet',
      '--',
      fixture('scripts/internal.mjs'),
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '["cjs:a","esm:b"]\n');
    assert.deepEqual(shape(readRun(json)), [
      'run',
      '  Engine.create [load]',
      '  Engine.run [recognition]',
      '  Engine.create [load]',
      '  Engine.run [recognition]',
    ]);
  });

  it('patches a library loaded before the driver started, and restores it exactly afterwards', async () => {
    const json = path.join(tempDir(), 'run.json');
    const result = await runNode([fixture('scripts/preloaded-driver.mjs'), json]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.deepEqual(JSON.parse(lines.at(-1)!), { restored: true }, 'disable() put the original function object back');
    assert.deepEqual(shape(readRun(json)).slice(1, 3), ['  Engine.create [load]', '  Engine.run [detection]']);
  });

  it('reports a missing module and a missing export once each, and the other targets still work', async () => {
    const json = path.join(tempDir(), 'run.json');
    const result = await runCli(['run', '--targets', fixture('targets/broken.yaml'), '--json', json, '--quiet', '--', fixture('scripts/pipeline.cjs')]);
    assert.equal(result.code, 0, result.stderr);
    const moduleWarnings = result.stderr.split('\n').filter((line) => line.includes('SS_TARGET_MODULE_MISSING'));
    const exportWarnings = result.stderr.split('\n').filter((line) => line.includes('SS_TARGET_EXPORT_MISSING'));
    assert.equal(moduleWarnings.length, 1, result.stderr);
    assert.match(moduleWarnings[0]!, /module "no-such-package-anywhere" \(targets at .*broken\.yaml:3\) cannot be found/);
    assert.equal(exportWarnings.length, 1, result.stderr);
    assert.match(exportWarnings[0]!, /broken\.yaml:4: fake-cjs-lib .* has no "Engine\.prototype\.noSuchMethod"/);
    const doc = readRun(json);
    assert.deepEqual(doc.spans.map((span) => span.name).sort(), ['Engine.run', 'run', 'syncAdd']);
    assert.equal(doc.diagnostics.length, 2);
  });
});
