import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hodgesLehmannShift, holmAdjust } from '../src/compare/stats.js';
import { DEEPER_CALLS, MAX_PATH_DEPTH } from '../src/compare/stage-paths.js';
import { escapeControlChars } from '../src/compare/terminal-text.js';
import { summarizeRuns } from '../src/compare/bench-document.js';
import { compareRuns, measureRun, renderBenchTable, renderComparisonMarkdown, renderComparisonTable } from '../src/compare.js';
import { RUN_FORMAT, type RunDocument } from '../src/index.js';
import { noiseFactor, seededRandom } from './compare-fixtures.js';
import { runNode, spanRecord } from './helpers.js';

/** A run with `models` sequential model calls under the root, each `baseNs[i] × factor(i)` long. */
function wideRun(models: number, durationOf: (index: number) => number): RunDocument {
  const stages = ['detection', 'classification', 'recognition'] as const;
  const spans = [];
  let cursor = 0;
  for (let i = 0; i < models; i++) {
    const durationNs = Math.round(durationOf(i));
    spans.push(
      spanRecord({
        id: String(i + 2),
        parentId: '1',
        name: `InferenceSession.run model_${i}.onnx`,
        startNs: cursor,
        durationNs,
        selfNs: durationNs,
        stage: stages[i % 3]!,
      }),
    );
    cursor += durationNs;
  }
  const root = spanRecord({ id: '1', parentId: null, name: 'run', startNs: 0, durationNs: cursor + 1_000_000, selfNs: 1_000_000 });
  return {
    format: RUN_FORMAT,
    preset: 'test',
    command: ['wide.mjs'],
    startedAt: new Date(0).toISOString(),
    durationNs: root.durationNs,
    overheadNs: 0,
    wrappedCalls: models,
    spans: [root, ...spans],
  } as unknown as RunDocument;
}

/** `count` runs of the same 40-model configuration with heavy (σ = 0.3) multiplicative noise. */
function sameConfig(count: number, seed: number, slow?: { index: number; factor: number }): RunDocument[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => wideRun(40, (i) => (5 + (i % 7)) * 1e6 * noiseFactor(random, 0.3) * (slow?.index === i ? slow.factor : 1)));
}

describe('compare is honest across many rows', () => {
  test('two identical configurations: no row "beyond noise" in any of 30 seeds (46 rows each)', () => {
    let uncorrected = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const comparison = compareRuns(sameConfig(10, seed), sameConfig(10, seed + 1000));
      assert.equal(comparison.noiseMethod, 'mann-whitney');
      assert.equal(comparison.testedRows, 46, 'total + 4 stages (with no stage) + run + 40 model paths');
      assert.deepEqual(
        comparison.rows.filter((row) => row.changed).map((row) => `${row.label} ${row.reason}`),
        [],
        `seed ${seed}`,
      );
      // What the old per-row test would have claimed: over the threshold and raw p < 0.05.
      uncorrected += comparison.rows.filter(
        (row) => row.pValue !== null && row.pValue < 0.05 && Math.abs(row.deltaNs) >= 0.1 * row.a!.medianNs && Math.abs(row.deltaNs) >= 1e6,
      ).length;
    }
    assert.ok(uncorrected >= 3, `without the correction ${uncorrected} rows would have been flagged (the test has teeth)`);
  });

  test('a real 2× slowdown of one model among 40 is found, with an effect interval around the true shift', () => {
    const a = sameConfig(20, 7);
    const b = sameConfig(20, 8, { index: 5, factor: 2 });
    const comparison = compareRuns(a, b);
    const changedPaths = comparison.rows.filter((row) => row.kind === 'path' && row.changed).map((row) => row.label);
    assert.ok(changedPaths.includes('InferenceSession.run model_5.onnx'), changedPaths.join(', '));
    assert.ok(!changedPaths.some((label) => /model_(?!5\.)/.test(label)), `only model_5 changed: ${changedPaths.join(', ')}`);
    const row = comparison.rows.find((r) => r.label === 'InferenceSession.run model_5.onnx')!;
    assert.equal(row.verdict, 'slower');
    assert.ok(row.adjustedPValue! >= row.pValue!, 'the corrected p is never smaller');
    const trueShiftNs = 10e6; // base 10 ms (5 + 5 % 7), twice as long
    assert.ok(row.shift !== null && row.shift.lowNs !== null && row.shift.highNs !== null);
    assert.ok(row.shift.lowNs > 0, 'the interval excludes 0');
    assert.ok(
      row.shift.lowNs <= trueShiftNs * 1.5 && row.shift.highNs >= trueShiftNs * 0.5,
      `interval [${row.shift.lowNs}, ${row.shift.highNs}] near ${trueShiftNs}`,
    );
    const table = renderComparisonTable(comparison);
    assert.match(table, /shift B−A \[95% CI\]/);
    assert.match(
      table,
      /▲ +InferenceSession\.run model_5\.onnx .* \+[\d.]+ ms \[\+[\d.]+ ms, \+[\d.]+ ms\] +slower \(Mann-Whitney p=[\d.e-]+, adjusted [\d.e-]+\)/,
    );
    assert.match(table, /Holm correction over the 46 rows tested/);
    assert.match(renderComparisonMarkdown(comparison), /\| shift B−A \[95% CI\] \|/);
  });

  test('too few runs for one change among many rows: inconclusive, and the notes say how many runs are needed', () => {
    const comparison = compareRuns(sameConfig(5, 3), sameConfig(5, 4, { index: 2, factor: 3 }));
    const row = comparison.rows.find((r) => r.label === 'InferenceSession.run model_2.onnx')!;
    assert.equal(row.verdict, 'inconclusive');
    assert.match(row.reason, /5\/5 runs cannot show one change among 46 rows, need ≥ 7 per side/);
    assert.ok(comparison.notes.some((note) => /5 vs 5 runs cannot show a single changed row among 46.*--repeat 7/.test(note)));
  });
});

describe('statistics', () => {
  test('Hodges-Lehmann shift and its exact rank interval (5 vs 5, 95%: 3rd smallest / largest difference)', () => {
    const shift = hodgesLehmannShift([1, 2, 3, 4, 5], [6, 7, 8, 9, 10], 0.95);
    assert.deepEqual(shift, { shiftNs: 5, lowNs: 2, highNs: 8, confidence: 0.95 });
    // 2 vs 2 runs cannot give a 95% interval at all.
    assert.deepEqual(hodgesLehmannShift([1, 2], [3, 4], 0.95), { shiftNs: 2, lowNs: null, highNs: null, confidence: 0.95 });
  });

  test('Holm adjusted p-values, in input order, monotone in the p-value order', () => {
    // sorted 0.005 ×4 = 0.02, 0.01 ×3 = 0.03, 0.03 ×2 = 0.06, 0.04 ×1 → max(0.06, 0.04) = 0.06
    assert.deepEqual(
      holmAdjust([0.01, 0.04, 0.03, 0.005]).map((p) => Number(p.toFixed(6))),
      [0.03, 0.06, 0.06, 0.02],
    );
    assert.deepEqual(holmAdjust([0.5, 0.9]), [1, 1]);
    assert.deepEqual(holmAdjust([]), []);
  });
});

describe('span names cannot forge lines in the compare table', () => {
  test('control characters, newlines and bidi overrides are shown escaped', () => {
    assert.equal(escapeControlChars('a\nb\r\tc\u001b[31md\u202ee\u0000'), 'a\\nb\\r\\tc\\x1b[31md\\u202ee\\x00');
    const hostile = (factor: number): RunDocument => wideRun(2, (i) => (i === 0 ? 10e6 * factor : 5e6));
    const a = hostile(1);
    const b = hostile(1.5);
    for (const doc of [a, b]) doc.spans[1]!.name = 'det\n▲ recognition  1 ms  9 ms  FORGED\u001b[2K';
    const table = renderComparisonTable(compareRuns(a, b));
    assert.ok(!table.includes('\u001b'), 'no raw escape sequence');
    const lines = table.split('\n');
    assert.ok(!lines.some((line) => line.startsWith('▲ recognition')), 'no forged row');
    assert.ok(
      lines.some((line) => line.includes('det\\n▲ recognition  1 ms  9 ms  FORGED\\x1b[2K')),
      'the name is on its own row, escaped',
    );
    const bench = renderBenchTable({
      format: 'stagescope.bench/1',
      startedAt: '',
      repeat: 1,
      warmup: 0,
      schedule: 'sequential',
      environment: { node: '', platform: '', arch: '', stagescope: '' },
      variants: [{ label: 'x\ny', preset: null, command: [], runs: [a], summary: summarizeRuns([a]) }],
    });
    assert.ok(!bench.includes('\u001b') && !bench.includes('FORGED\n') && bench.includes('x\\ny'), bench);
  });
});

describe('deep trees', () => {
  test('2,500 nested spans: measureRun, compareRuns and the table work on a small stack (no recursion)', async () => {
    // In a child with a small stack: a recursive walk of 2,500 levels overflows there, an iterative one does not.
    const code = `
      import { RUN_FORMAT } from 'stagescope';
      import { compareRuns, measureRun, renderComparisonTable } from 'stagescope/compare';
      const depth = 2500;
      const spans = [];
      for (let i = 0; i < depth; i++) spans.push({ id: String(i + 1), parentId: i === 0 ? null : String(i), traceId: 't', name: i === 0 ? 'run' : 'recurse', stage: null, target: null, startNs: i, durationNs: 2 * (depth - i) + 1_000_000, selfNs: 2, status: 'ok', error: null, metrics: {}, attributes: {} });
      const doc = { format: RUN_FORMAT, preset: 't', command: ['deep.mjs'], startedAt: '', durationNs: spans[0].durationNs, overheadNs: 0, wrappedCalls: 0, spans };
      const measures = measureRun(doc);
      const table = renderComparisonTable(compareRuns(doc, doc));
      console.log(JSON.stringify({ paths: measures.filter((m) => m.kind === 'path').length, deepest: Math.max(...measures.map((m) => m.depth)), lines: table.split('\\n').length }));
    `;
    const result = await runNode(['--stack-size=120', '--input-type=module', '-e', code]);
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as { paths: number; deepest: number; lines: number };
    // Every level walked; rows past MAX_PATH_DEPTH are one "… deeper calls" row (next test).
    assert.deepEqual({ paths: out.paths, deepest: out.deepest }, { paths: MAX_PATH_DEPTH + 2, deepest: MAX_PATH_DEPTH + 1 });
    assert.ok(out.lines > MAX_PATH_DEPTH + 2, 'one table row per path');
  });

  test('20,000 nested spans: paths past MAX_PATH_DEPTH are one "… deeper calls" row (memory linear in the depth)', async () => {
    // Every path's key and names hold all its names: kept for each level, 20,000 levels need gigabytes.
    // In a child with a small heap, so a quadratic walk fails here instead of slowing the test runner.
    const code = `
      import { RUN_FORMAT } from 'stagescope';
      import { compareRuns, measureRun, renderComparisonTable } from 'stagescope/compare';
      const depth = 20000;
      const spans = [];
      for (let i = 0; i < depth; i++) spans.push({ id: String(i + 1), parentId: i === 0 ? null : String(i), traceId: 't', name: i === 0 ? 'run' : 'recurse', stage: null, target: null, startNs: i, durationNs: 2 * (depth - i), selfNs: 2, status: 'ok', error: null, metrics: {}, attributes: {} });
      const doc = { format: RUN_FORMAT, preset: 't', command: ['deep.mjs'], startedAt: '', durationNs: spans[0].durationNs, overheadNs: 0, wrappedCalls: 0, spans };
      const paths = measureRun(doc).filter((m) => m.kind === 'path');
      const table = renderComparisonTable(compareRuns(doc, doc));
      const last = paths.at(-1);
      console.log(JSON.stringify({ paths: paths.length, last: { label: last.label, depth: last.depth, calls: last.calls, durationNs: last.durationNs, selfNs: last.selfNs }, lines: table.split('\\n').length }));
    `;
    const result = await runNode(['--max-old-space-size=256', '--input-type=module', '-e', code]);
    assert.equal(result.code, 0, result.stderr.slice(0, 2000));
    const out = JSON.parse(result.stdout) as {
      paths: number;
      last: { label: string; depth: number; calls: number; durationNs: number; selfNs: number };
      lines: number;
    };
    const top = MAX_PATH_DEPTH + 1; // depth of the first folded span
    assert.equal(out.paths, MAX_PATH_DEPTH + 2, 'one row per level up to the limit, then one');
    assert.deepEqual(out.last, {
      label: DEEPER_CALLS,
      depth: top,
      calls: 20_000 - top,
      durationNs: 2 * (20_000 - top), // the top folded span's, which holds the rest
      selfNs: 2 * (20_000 - top),
    });
    assert.ok(out.lines < 200, `${out.lines} table lines`);
  });

  test('path order and keys are the tree order (depth first, siblings by start)', () => {
    const doc = wideRun(3, () => 1e6);
    doc.spans.push(spanRecord({ id: '99', parentId: '2', name: 'inner', startNs: 0, durationNs: 10, selfNs: 10 }));
    assert.deepEqual(
      measureRun(doc)
        .filter((m) => m.kind === 'path')
        .map((m) => m.key),
      [
        'path:["run"]',
        'path:["run","InferenceSession.run model_0.onnx"]',
        'path:["run","InferenceSession.run model_0.onnx","inner"]',
        'path:["run","InferenceSession.run model_1.onnx"]',
        'path:["run","InferenceSession.run model_2.onnx"]',
      ],
    );
  });
});
