import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { assertBenchDocument, benchScript, type BenchDocument } from '../src/compare.js';
import { splitVariants } from '../src/cli/bench-command.js';
import { fixture, repoRoot, runCli, tempDir } from './helpers.js';

const SCRIPT = 'test/fixtures/scripts/pipeline.mjs';
const TARGETS = 'test/fixtures/targets/fake.yaml';
/** `stagescope bench` with the test targets, 2 runs per variant and no warm-up. */
const QUICK_BENCH = ['bench', '--preset', 'custom', '--targets', TARGETS, '--repeat', '2', '--warmup', '0'];

describe('stagescope bench', () => {
  test('runs the fixture pipeline 3 times: bench document with 3 runs and sane statistics', async () => {
    const dir = tempDir('stagescope-bench-');
    const json = path.join(dir, 'bench.json');
    const result = await runCli(['bench', '--preset', 'custom', '--targets', TARGETS, '--repeat', '3', '--warmup', '1', '--json', json, '--', SCRIPT]);
    assert.equal(result.code, 0, result.stderr);
    // Not a TTY here: one plain progress line per run, warm-up included.
    assert.deepEqual(
      result.stderr
        .split('\n')
        .filter((line) => line.startsWith('bench: '))
        .map((line) => line.replace(/ [\d.]+ s$/, '')),
      ['bench: 1/4 warm-up pipeline.mjs', 'bench: 2/4 pipeline.mjs', 'bench: 3/4 pipeline.mjs', 'bench: 4/4 pipeline.mjs'],
    );
    assert.doesNotMatch(result.stdout, /"boxes"/, "the script's own output is hidden");
    assert.match(result.stdout, /pipeline\.mjs: 3 runs, preset custom\n +median +p95 +min +max +IQR +calls\n/);
    assert.match(result.stdout, /\n {4}recognition +\S+ \S+/);

    const doc: unknown = JSON.parse(readFileSync(json, 'utf8'));
    assertBenchDocument(doc, json);
    assert.equal(doc.repeat, 3);
    assert.equal(doc.warmup, 1);
    assert.equal(doc.variants.length, 1);
    const [variant] = doc.variants;
    assert.equal(variant!.runs.length, 3);
    assert.deepEqual(variant!.command, [SCRIPT]);
    for (const run of variant!.runs) assert.equal(run.exitCode, 0);
    const total = variant!.summary.find((row) => row.kind === 'total')!;
    assert.equal(total.samplesNs.length, 3);
    assert.deepEqual(
      total.samplesNs,
      variant!.runs.map((run) => run.durationNs),
    );
    for (const row of variant!.summary) {
      assert.ok(row.minNs <= row.medianNs && row.medianNs <= row.p95Ns && row.p95Ns <= row.maxNs, `${row.key}: min ≤ median ≤ p95 ≤ max`);
      assert.ok(row.iqrNs >= 0 && row.iqrNs <= row.maxNs - row.minNs, `${row.key}: 0 ≤ IQR ≤ range`);
      assert.ok(row.minNs > 0, `${row.key}: every run has it`);
    }
    const stages = variant!.summary.filter((row) => row.kind === 'stage').map((row) => row.label);
    assert.deepEqual(stages, ['load', 'preprocess', 'detection', 'recognition', 'no stage']);
    assert.equal(variant!.summary.find((row) => row.label === 'worker.recognize')!.calls, 2);

    // compare accepts the bench document like a run document.
    const self = await runCli(['compare', json, json]);
    assert.equal(self.code, 0, self.stderr);
    assert.match(self.stdout, /summary: nothing changed beyond noise/);
    assert.match(self.stdout, /runs do not overlap|runs overlap|under 10%/);
  });

  test('-- a -- vs -- b: two option sets interleaved, then compared', async () => {
    const dir = tempDir('stagescope-bench-');
    const svg = path.join(dir, 'ab.svg');
    const json = path.join(dir, 'ab.json');
    const result = await runCli([
      ...QUICK_BENCH,
      '--label-a',
      'first',
      '--label-b',
      'second',
      '--alpha',
      '0.1',
      '--json',
      json,
      '--svg',
      svg,
      '--',
      SCRIPT,
      'x',
      '--',
      'vs',
      '--',
      SCRIPT,
      'y',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      result.stderr
        .split('\n')
        .filter((line) => line.startsWith('bench: '))
        .map((line) => line.replace(/ [\d.]+ s$/, '')),
      ['bench: 1/4 first', 'bench: 2/4 second', 'bench: 3/4 first', 'bench: 4/4 second'],
    );
    assert.match(result.stdout, /\nA: first \(2 runs\)\nB: second \(2 runs\)\n/);
    assert.match(result.stdout, /\nsummary: /);
    assert.match(result.stdout, /shift B−A \[90% CI\]/, '--alpha reaches the comparison (1 − alpha intervals)');
    const doc = JSON.parse(readFileSync(json, 'utf8')) as BenchDocument;
    assert.equal(doc.schedule, 'interleaved');
    assert.deepEqual(
      doc.variants.map((v) => [v.label, v.command, v.runs.length]),
      [
        ['first', [SCRIPT, 'x'], 2],
        ['second', [SCRIPT, 'y'], 2],
      ],
    );
    assert.match(readFileSync(svg, 'utf8'), /^<svg /);
  });

  test('benchScript API: one variant, runs and summary', async () => {
    const doc = await benchScript({
      preset: 'custom',
      targets: [fixture('targets', 'fake.yaml')],
      command: [fixture('scripts', 'pipeline.mjs')],
      repeat: 2,
      warmup: 0,
      cwd: repoRoot,
    });
    assert.equal(doc.format, 'stagescope.bench/1');
    assert.equal(doc.variants[0]!.runs.length, 2);
    assert.ok(doc.variants[0]!.summary.some((row) => row.key === 'stage:detection'));
  });

  test('a failing script stops the bench with exit 1 and its stderr', async () => {
    const result = await runCli([...QUICK_BENCH, '--', 'test/fixtures/scripts/pipeline.mjs', '--', 'vs', '--', fixture('compare', 'fail.mjs')]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /bench: fail\.mjs exited with code 3 \(run 1\); a benchmark needs runs that succeed\. Its stderr ended with:\nthis script always fails/,
    );
  });

  test('a failing script’s stderr is shown as written, a character split across two reads included', async () => {
    const result = await runCli([...QUICK_BENCH, '--', fixture('compare', 'fail-wide.mjs')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Its stderr ended with:\nx+\nµs budget exceeded ⚙\n/);
  });

  test('bad options: exit 2, naming the option', async () => {
    const cases: [string[], RegExp][] = [
      [['bench', '--preset', 'onnx', '--repeat', '0', '--', SCRIPT], /--repeat must be an integer ≥ 1, got "0"/],
      [['bench', '--preset', 'nope', '--', SCRIPT], /unknown preset "nope"/],
      [['bench', '--preset', 'onnx'], /no script given/],
      [['bench', '--preset', 'onnx', '--', SCRIPT, '--', 'vs', '--'], /no script given on one side of "-- vs --"/],
      [['bench', '--preset', 'onnx', '--svg', 'x.svg', '--', SCRIPT], /--md and --svg draw a comparison/],
      [['bench', '--preset', 'onnx', '--', 'missing.mjs'], /script not found: missing\.mjs/],
      [['bench', '--preset', 'onnx', '--alpha', '1', '--', SCRIPT], /--alpha must be a probability between 0 and 1, e\.g\. 0\.05, got 1/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });

  test('splitVariants splits on the three-word separator only', () => {
    assert.deepEqual(splitVariants(['a.mjs', '--x', '--', 'vs', '--', 'b.mjs', 'vs']), [
      ['a.mjs', '--x'],
      ['b.mjs', 'vs'],
    ]);
    assert.deepEqual(splitVariants(['a.mjs', '--', 'y']), [['a.mjs', '--', 'y']]);
  });
});
