import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fixture, readRun, runCli, runNode, spanIndex, tempDir } from './helpers.js';

const targets = fixture('targets/fake.yaml');
const run = (script: string, options: string[] = [], args: string[] = []) =>
  runCli(['run', '--targets', targets, ...options, '--', fixture('scripts', script), ...args]);

describe('stagescope run (driver + CLI)', () => {
  it("keeps the script's stdout, argv and exit code its own; the tree goes to stderr", async () => {
    const result = await run('exit-code.mjs', [], ['--flag', 'value with space']);
    assert.equal(result.code, 3);
    assert.equal(result.stdout, `${JSON.stringify({ argv: ['--flag', 'value with space'], sum: 3 })}\n`);
    assert.match(result.stderr, /● run \(/);
    assert.match(result.stderr, /└─ syncAdd \[preprocess\]/);
    assert.match(result.stderr, /\[OH [\d.]+ (ns|µs|ms), 1 wrapped call, startup [\d.]+ (µs|ms|s)( uncached)?(, async context ~[\d.]+ (µs|ms|s))?\]/);
  });

  it('waits for an exported main(args)', async () => {
    const json = path.join(tempDir(), 'run.json');
    const result = await run('main-export.mjs', ['--json', json, '--quiet'], ['a', 'b']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'det:a,b\n');
    assert.equal(result.stderr, '');
    const names = readRun(json).spans.map((span) => span.name);
    assert.deepEqual(names, ['run', 'Engine.create', 'Engine.run']);
  });

  it('waits for fire-and-forget async work (an un-awaited IIFE)', async () => {
    const json = path.join(tempDir(), 'run.json');
    const result = await run('iife.cjs', ['--json', json, '--quiet']);
    assert.equal(result.code, 0, result.stderr);
    const doc = readRun(json);
    assert.deepEqual(
      doc.spans.map((span) => span.name),
      ['run', 'asyncWork', 'Engine.create', 'Engine.run'],
    );
    assert.ok(doc.spans.every((span) => span.status === 'ok'));
  });

  it("a script that throws still gets its partial tree; the error and exit code are the script's", async () => {
    const json = path.join(tempDir(), 'run.json');
    const result = await run('throws.mjs', ['--json', json]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Error: script failed on purpose/);
    assert.match(result.stderr, /● run \(.*\)  ✗ Error: script failed on purpose/);
    const doc = readRun(json);
    assert.equal(doc.exitCode, 1);
    assert.equal(doc.error?.message, 'script failed on purpose');
    assert.deepEqual(
      doc.spans.map((span) => span.name),
      ['run', 'Engine.create', 'Engine.run'],
    );
  });

  it('process.exit() mid-run still writes the tree and the JSON, with the exit code', async () => {
    const json = path.join(tempDir(), 'run.json');
    const result = await run('process-exit.cjs', ['--json', json]);
    assert.equal(result.code, 4);
    const doc = readRun(json);
    assert.equal(doc.exitCode, 4);
    assert.deepEqual(
      doc.spans.map((span) => span.name),
      ['run', 'Engine.create', 'Engine.run'],
    );
  });

  it("an unhandled rejection in background work: Node's own error and exit code, plus the partial tree", async () => {
    const json = path.join(tempDir(), 'run.json');
    const result = await run('unhandled.mjs', ['--json', json, '--quiet']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Error: background task failed/);
    const doc = readRun(json);
    assert.equal(doc.error?.message, 'background task failed');
    assert.equal(spanIndex(doc).named('asyncWork').length, 1);
  });

  it('rejects bad input with a clear message and exit code 2, before running anything', async () => {
    const unknownPreset = await runCli(['run', '--preset', 'nope', '--', fixture('scripts/exit-code.mjs')]);
    assert.equal(unknownPreset.code, 2);
    assert.match(unknownPreset.stderr, /unknown preset "nope" \(known: .*onnx/);
    assert.equal(unknownPreset.stdout, '');
    const badTargets = await runCli(['run', '--targets', fixture('targets/bad-stage.yaml'), '--', fixture('scripts/exit-code.mjs')]);
    assert.equal(badTargets.code, 2);
    assert.match(badTargets.stderr, /bad-stage\.yaml:3: field "stage": "detect" is not a stage/);
    const missingScript = await runCli(['run', '--preset', 'onnx', '--', 'no/such/script.mjs']);
    assert.equal(missingScript.code, 2);
    assert.match(missingScript.stderr, /script not found: no\/such\/script\.mjs/);
  });

  it('node --import stagescope/register/<preset> traces without a driver file', async () => {
    const json = path.join(tempDir(), 'run.json');
    const result = await runNode(['--import', 'stagescope/register', fixture('scripts/pipeline.mjs')], {
      env: { STAGESCOPE_TARGETS: targets, STAGESCOPE_JSON: json, STAGESCOPE_QUIET: '1' },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(spanIndex(readRun(json)).named('worker.recognize').length, 2);
  });
});

describe('stagescope run --max-overhead-pct', () => {
  it('passes the budget to the child and rejects a bad value before running', async () => {
    const bad = await runCli(['run', '--targets', targets, '--max-overhead-pct', 'lots', '--', fixture('scripts/exit-code.mjs')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--max-overhead-pct must be a number > 0 \(percent of the measured work; "off" or Infinity turns the budget off\), got "lots"/);
    assert.equal(bad.stdout, '');
    const hot = fixture('targets/hot.yaml');
    const defaultJson = path.join(tempDir(), 'run.json');
    const withBudget = await runCli(['run', '--preset', 'custom', '--targets', hot, '--json', defaultJson, '--quiet', '--', fixture('scripts/hot-loop.mjs')]);
    assert.equal(withBudget.code, 0, withBudget.stderr);
    const budgeted = readRun(defaultJson);
    assert.ok((budgeted.adaptive ?? []).length > 0, 'the default budget cut the hot target');
    assert.ok(budgeted.spans.length < 5001);
    const offJson = path.join(tempDir(), 'run.json');
    const off = await runCli([
      'run',
      '--preset',
      'custom',
      '--targets',
      hot,
      '--max-overhead-pct',
      'off',
      '--json',
      offJson,
      '--quiet',
      '--',
      fixture('scripts/hot-loop.mjs'),
    ]);
    assert.equal(off.code, 0, off.stderr);
    assert.equal(off.stdout, '5000\n');
    const unbudgeted = readRun(offJson);
    assert.equal(unbudgeted.adaptive, undefined, 'no adaptive decisions with the budget off');
    assert.equal(unbudgeted.spans.length, 5001, 'every call recorded');
  });
});
