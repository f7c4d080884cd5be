import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { summarizeRuns } from '../src/compare/bench-document.js';
import { BENCH_FORMAT, type BenchDocument } from '../src/compare.js';
import type { RunDocument } from '../src/index.js';
import { assertWellFormedXml, noisyRuns, paddleRun, retime } from './compare-fixtures.js';
import { runCli, tempDir } from './helpers.js';

function benchDoc(label: string, runs: RunDocument[]): BenchDocument {
  return {
    format: BENCH_FORMAT,
    startedAt: new Date(0).toISOString(),
    repeat: runs.length,
    warmup: 0,
    schedule: 'sequential',
    environment: { node: process.version, platform: process.platform, arch: process.arch, stagescope: 'test' },
    variants: [{ label, preset: 'onnx', command: ['examples/ocr/paddle-onnx.mjs'], runs, summary: summarizeRuns(runs) }],
  };
}

describe('stagescope compare (CLI)', () => {
  const dir = tempDir('stagescope-compare-');
  const write = (name: string, value: unknown): string => {
    const file = path.join(dir, name);
    writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
    return file;
  };
  const runA = write('a.json', paddleRun());
  const runB = write(
    'b.json',
    retime(paddleRun(), (span) => (span.stage === 'recognition' ? 1.5 : 1)),
  );
  const benchA = write('bench-a.json', benchDoc('before', noisyRuns(6, 61)));
  const benchB = write('bench-b.json', benchDoc('after', noisyRuns(6, 62, { slowStage: 'recognition', slowFactor: 1.5 })));

  test('two run documents: table on stdout, --md and --svg written, exit 0', async () => {
    const md = path.join(dir, 'out', 'cmp.md');
    const svg = path.join(dir, 'out', 'cmp.svg');
    const result = await runCli(['compare', runA, runB, '--md', md, '--svg', svg]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^A: paddle-onnx\.mjs \(1 run\)\nB: paddle-onnx\.mjs \(1 run\)\n/);
    // One run a side: a 50% slowdown is shown, but not claimed beyond noise.
    assert.match(result.stdout, /\n\? recognition +\S+ ms.* inconclusive \(too few runs to tell from noise: 1\/1 runs/);
    assert.match(result.stdout, /summary: nothing changed beyond noise; inconclusive, too few runs to tell: recognition \+50%; total \+\d+% \(inconclusive\)/);
    assert.match(result.stdout, /note: A single run per side cannot estimate noise/);
    assert.match(result.stderr, /Markdown table written to .*cmp\.md/);
    assert.match(readFileSync(md, 'utf8'), /^\*\*nothing changed beyond noise; inconclusive, too few runs to tell: recognition \+50%/);
    assertWellFormedXml(readFileSync(svg, 'utf8'));
  });

  test('two bench documents: the runs give the noise (Mann-Whitney), labels from the variants', async () => {
    const result = await runCli(['compare', benchA, benchB, '--stages-only']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^A: before \(6 runs\)\nB: after \(6 runs\)/);
    assert.match(result.stdout, /▲ recognition .* slower \(Mann-Whitney p=/);
    assert.doesNotMatch(result.stdout, /InferenceSession/, '--stages-only leaves the paths out');
    assert.match(result.stdout, /note: Changed = at least 10% of A and 1 ms apart, and a two-sided Mann-Whitney U test/);
  });

  test('a bench document with two variants compares on its own', async () => {
    const a = noisyRuns(7, 71);
    const b = noisyRuns(7, 72, { slowStage: 'detection', slowFactor: 2 });
    const doc = benchDoc('x', a);
    doc.variants = [
      { label: 'small', preset: 'onnx', command: ['x.mjs'], runs: a, summary: summarizeRuns(a) },
      { label: 'big', preset: 'onnx', command: ['x.mjs'], runs: b, summary: summarizeRuns(b) },
    ];
    const file = write('ab.json', doc);
    const result = await runCli(['compare', file]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /summary: detection \+\d+%/);
    const both = await runCli(['compare', file, runA]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /ab\.json: this bench document has 2 variants \(small vs big\); compare it on its own/);
  });

  test('--fail-on-slower exits 1 on a slowdown beyond noise and 0 without one', async () => {
    assert.equal((await runCli(['compare', benchA, benchB, '--fail-on-slower'])).code, 1);
    assert.equal((await runCli(['compare', benchA, benchA, '--fail-on-slower'])).code, 0);
    assert.equal((await runCli(['compare', benchB, benchA, '--fail-on-slower'])).code, 0, 'faster is not a failure');
    assert.equal((await runCli(['compare', runA, runB, '--fail-on-slower'])).code, 0, 'one run a side is too few to call anything slower');
  });

  test('bad input: exit 2 and a message that names the file or option', async () => {
    const cases: [string[], RegExp][] = [
      [['compare', path.join(dir, 'missing.json'), runB], /stagescope: .*missing\.json: file not found \(write one with `stagescope run --json/],
      [['compare', write('broken.json', '{"format": '), runB], /broken\.json: not valid JSON/],
      [['compare', runA, write('other.json', { format: 'something/1' })], /other\.json: not a stagescope run or bench document \(format is "something\/1"/],
      [['compare', runA, write('nospans.json', { format: 'stagescope.run/1' })], /nospans\.json: run document has no "spans" list/],
      [['compare', runA], /a\.json: one file can only be compared when it is a bench document with two variants/],
      [['compare'], /compare needs two files/],
      [['compare', runA, runB, '--threshold', 'abc'], /--threshold must be a percentage ≥ 0, e\.g\. 10, got "abc"/],
      [['compare', runA, runB, '--alpha', '1.5'], /--alpha must be a probability between 0 and 1/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
    }
  });
});
