import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { summarizeRuns } from '../src/compare/bench-document.js';
import {
  BENCH_FORMAT,
  compareBenchVariants,
  compareRuns,
  measureRun,
  renderComparisonMarkdown,
  renderComparisonSvg,
  renderComparisonTable,
  type BenchDocument,
  type Comparison,
} from '../src/compare.js';
import { mannWhitneyU } from '../src/compare/stats.js';
import type { RunDocument } from '../src/index.js';
import { assertWellFormedXml, noisyRuns, paddleRun, retime } from './compare-fixtures.js';
import { assertChildrenWithinParents } from './helpers.js';

const REC_PATH = 'InferenceSession.run ch_PP-OCRv4_rec_infer.onnx';

function changed(comparison: Comparison, kind: 'stage' | 'path' | 'total'): string[] {
  return comparison.rows.filter((row) => row.kind === kind && row.changed).map((row) => row.label);
}

describe('Mann-Whitney U', () => {
  test('exact two-sided p-values match the textbook values', () => {
    // Fully separated 5 vs 5: p = 2 / C(10, 5) = 0.00794 (scipy.stats.mannwhitneyu, method="exact").
    const separated = mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    assert.equal(separated.method, 'exact');
    assert.equal(separated.u, 0);
    assert.ok(Math.abs(separated.pValue - 2 / 252) < 1e-12);
    // 3 vs 3 can never go below 0.1: this is why few runs fall back to "no overlap".
    assert.ok(Math.abs(mannWhitneyU([1, 2, 3], [4, 5, 6]).minPValue - 0.1) < 1e-12);
    // Interleaved samples: no evidence of a difference.
    assert.ok(mannWhitneyU([1, 3, 5, 7, 9], [2, 4, 6, 8, 10]).pValue > 0.5);
  });

  test('ties use the normal approximation and stay in [0, 1]', () => {
    const result = mannWhitneyU([1, 1, 2, 2, 3], [1, 2, 2, 3, 3]);
    assert.equal(result.method, 'normal');
    assert.ok(result.pValue > 0.2 && result.pValue <= 1);
  });
});

describe('measureRun', () => {
  test('aligns by stage and by model-labelled call path, summing repeated calls', () => {
    const measures = measureRun(paddleRun());
    const byKey = new Map(measures.map((m) => [m.kind === 'path' ? m.names.join(' / ') : m.key, m]));
    assert.deepEqual(
      measures.filter((m) => m.kind === 'stage').map((m) => m.label),
      ['load', 'detection', 'classification', 'recognition', 'no stage'],
    );
    const rec = byKey.get(`run / ${REC_PATH}`)!;
    assert.equal(rec.calls, 4);
    const recSpans = paddleRun().spans.filter((span) => span.name === REC_PATH);
    assert.equal(
      rec.durationNs,
      recSpans.reduce((sum, span) => sum + span.durationNs, 0),
    );
    assert.equal(byKey.get('stage:recognition')!.durationNs, rec.durationNs);
    assert.equal(byKey.get('total')!.durationNs, paddleRun().durationNs);
  });

  test('a stage nested in the same stage is counted once', () => {
    const doc = paddleRun();
    const rec = doc.spans.find((span) => span.name === REC_PATH)!;
    doc.spans.push({
      ...rec,
      id: '999',
      parentId: rec.id,
      name: 'inner rec op',
      durationNs: Math.round(rec.durationNs / 2),
      selfNs: Math.round(rec.durationNs / 2),
    });
    const stage = measureRun(doc).find((m) => m.key === 'stage:recognition')!;
    assert.equal(stage.calls, 4);
  });
});

describe('compareRuns with repeated runs (bench samples)', () => {
  // Several seeds: the verdict must not depend on one lucky draw of the noise.
  for (const seed of [1, 2, 3, 4, 5]) {
    test(`recognition ×1.5 is the only stage changed beyond noise (seed ${seed})`, () => {
      const a = noisyRuns(7, seed);
      const b = noisyRuns(7, seed + 100, { slowStage: 'recognition', slowFactor: 1.5 });
      for (const run of [...a, ...b]) assertChildrenWithinParents(run, 0);
      const comparison = compareRuns(a, b);
      assert.equal(comparison.noiseMethod, 'mann-whitney');
      assert.deepEqual(changed(comparison, 'stage'), ['recognition']);
      const recognition = comparison.rows.find((row) => row.key === 'stage:recognition')!;
      assert.equal(recognition.verdict, 'slower');
      assert.ok(recognition.ratio > 1.35 && recognition.ratio < 1.65, `ratio ${recognition.ratio}`);
      assert.ok(recognition.pValue! < 0.01);
      // Among call paths only the rec model's runs changed, plus the root that contains them.
      assert.deepEqual(changed(comparison, 'path').sort(), [REC_PATH, 'run'].sort());
      assert.match(comparison.summary, /^recognition \+\d+%, total \+\d+%/);
    });
  }

  test('the same pipeline twice, with noise only: nothing changed', () => {
    const comparison = compareRuns(noisyRuns(7, 11), noisyRuns(7, 12));
    assert.deepEqual(
      comparison.rows.filter((row) => row.changed).map((row) => row.key),
      [],
    );
    assert.match(comparison.summary, /^nothing changed beyond noise; total [+-][\d.]+% \(within noise\)$/);
  });

  test('large noise hides a 15% slowdown (it is reported as within noise, not as a change)', () => {
    const comparison = compareRuns(noisyRuns(5, 21, { sigma: 0.5 }), noisyRuns(5, 22, { sigma: 0.5, slowStage: 'detection', slowFactor: 1.15 }));
    const detection = comparison.rows.find((row) => row.key === 'stage:detection')!;
    assert.equal(detection.verdict, 'unchanged');
  });

  test('3 vs 3 runs: too few for any claim; a 2× slowdown is inconclusive, not "beyond noise"', () => {
    const comparison = compareRuns(noisyRuns(3, 31), noisyRuns(3, 32, { slowStage: 'recognition', slowFactor: 2 }));
    assert.equal(comparison.noiseMethod, 'too-few-runs');
    assert.deepEqual(changed(comparison, 'stage'), []);
    const recognition = comparison.rows.find((row) => row.key === 'stage:recognition')!;
    assert.equal(recognition.verdict, 'inconclusive');
    assert.match(recognition.reason, /^too few runs to tell from noise: 3\/3 runs, need ≥ \d+ per side$/);
    assert.ok(comparison.notes.some((note) => note.includes('3 vs 3 runs are too few for a significance test')));
    assert.match(comparison.summary, /^nothing changed beyond noise; inconclusive, too few runs to tell: recognition \+\d+%; total \+\d+% \(inconclusive\)$/);
  });

  test('bench documents and their variants compare like the runs they hold', () => {
    const a = noisyRuns(6, 41);
    const b = noisyRuns(6, 42, { slowStage: 'recognition', slowFactor: 1.5 });
    const doc: BenchDocument = {
      format: BENCH_FORMAT,
      startedAt: new Date(0).toISOString(),
      repeat: 6,
      warmup: 0,
      schedule: 'interleaved',
      environment: { node: process.version, platform: process.platform, arch: process.arch, stagescope: 'test' },
      variants: [
        { label: 'before', preset: 'onnx', command: ['x.mjs'], runs: a, summary: summarizeRuns(a) },
        { label: 'after', preset: 'onnx', command: ['x.mjs'], runs: b, summary: summarizeRuns(b) },
      ],
    };
    const fromDoc = compareBenchVariants(doc);
    const fromRuns = compareRuns(a, b);
    assert.equal(fromDoc.labelA, 'before');
    assert.equal(fromDoc.labelB, 'after');
    assert.deepEqual(
      fromDoc.rows.map((row) => [row.key, row.verdict]),
      fromRuns.rows.map((row) => [row.key, row.verdict]),
    );
    assert.throws(() => compareRuns(doc, doc), /2 variants/);
  });
});

describe('compareRuns with single runs', () => {
  const a = paddleRun();
  test('a single run cannot estimate noise: nothing is "beyond noise", large differences are inconclusive', () => {
    const slower = retime(a, (span) => (span.stage === 'recognition' ? 1.5 : span.stage === 'detection' ? 1.05 : 1));
    const comparison = compareRuns(a, slower);
    assert.equal(comparison.noiseMethod, 'too-few-runs');
    assert.deepEqual(changed(comparison, 'stage'), []);
    assert.equal(comparison.rows.find((row) => row.key === 'stage:recognition')!.verdict, 'inconclusive');
    const detection = comparison.rows.find((row) => row.key === 'stage:detection')!;
    assert.equal(detection.verdict, 'unchanged');
    assert.match(detection.reason, /under 10% \/ 1 ms/);
    assert.equal(detection.shift, null, 'no effect interval from single runs');
    assert.ok(comparison.notes.some((note) => /single run per side cannot estimate noise/i.test(note)));
  });

  test('--threshold: a 5% change is over threshold 3 (inconclusive with one run), under the default 10', () => {
    const slower = retime(a, (span) => (span.stage === 'detection' ? 1.05 : 1));
    const verdictOf = (threshold: number) => compareRuns(a, slower, { thresholdPercent: threshold }).rows.find((row) => row.key === 'stage:detection')!.verdict;
    assert.equal(verdictOf(3), 'inconclusive');
    assert.equal(verdictOf(10), 'unchanged');
  });

  test('a path only in B or only in A is reported as such', () => {
    const b = structuredClone(a);
    const det = b.spans.find((span) => span.stage === 'detection')!;
    det.name = 'InferenceSession.run other_det.onnx';
    const comparison = compareRuns(a, b);
    const verdicts = new Map(comparison.rows.filter((row) => row.kind === 'path').map((row) => [row.label, row.verdict]));
    assert.equal(verdicts.get('InferenceSession.run other_det.onnx'), 'added');
    assert.equal(verdicts.get('InferenceSession.run ch_PP-OCRv4_det_infer.onnx'), 'removed');
    const order = comparison.rows.map((row) => row.label);
    assert.equal(
      Math.abs(order.indexOf('InferenceSession.run other_det.onnx') - order.indexOf('InferenceSession.run ch_PP-OCRv4_det_infer.onnx')),
      1,
      'the new path sits next to the one it replaced',
    );
  });

  test('bad options fail naming the option', () => {
    assert.throws(() => compareRuns(a, a, { thresholdPercent: -1 }), /thresholdPercent/);
    assert.throws(() => compareRuns(a, a, { alpha: 2 }), /alpha/);
  });
});

function hostileRun(): RunDocument {
  const doc = paddleRun();
  doc.spans.find((span) => span.name === REC_PATH)!.name = '<script>alert("x")</script> & | co';
  return doc;
}

describe('renderers', () => {
  const a = noisyRuns(7, 51);
  const b = noisyRuns(7, 52, { slowStage: 'recognition', slowFactor: 1.5 });
  const comparison = compareRuns(a, b, { labelA: 'opt=disabled', labelB: 'opt=all' });

  test('text table: aligned columns, ▲ on the slower stage, ≈ on the others, summary and notes', () => {
    const table = renderComparisonTable(comparison);
    const lines = table.split('\n');
    assert.equal(lines[0], 'A: opt=disabled (7 runs)');
    assert.equal(lines[1], 'B: opt=all (7 runs)');
    const stageLine = (name: string): string => lines.find((line) => line.slice(2).startsWith(`${name} `))!;
    assert.match(stageLine('recognition'), /^▲ recognition .* \+\d+% .* slower \(Mann-Whitney p=/);
    for (const stage of ['load', 'detection', 'classification']) assert.match(stageLine(stage), /^≈ /);
    assert.ok(
      lines.some((line) => line.startsWith(`▲   ${REC_PATH}`)),
      'paths are indented by depth',
    );
    // Columns line up: the A column ends at the same offset on every data row.
    const header = lines[3]!;
    const aEnd = header.indexOf('A') + 1;
    for (const line of lines.filter((l) => /^[▲▼≈+−] /.test(l))) assert.match(line.slice(0, aEnd), /(ms|µs|s|ns)$/);
    assert.match(table, /\nsummary: recognition \+\d+%, total \+\d+%\n/);
    assert.match(table, /note: Changed = at least 10% of A and 1 ms apart, and a two-sided Mann-Whitney U test/);
  });

  test('Markdown: a table row per total, stage and path, names escaped', () => {
    const markdown = renderComparisonMarkdown(compareRuns(hostileRun(), hostileRun()));
    const rows = markdown.split('\n').filter((line) => line.startsWith('| '));
    assert.equal(rows.length, 1 + measureRun(hostileRun()).length);
    assert.match(rows[0]!, /^\| \| stage \/ call path \| A \| B \| Δ \| change \| B\/A \| calls A\/B \| verdict \|$/);
    const hostile = rows.find((row) => row.includes('script'))!;
    assert.ok(hostile.includes('&lt;script&gt;alert("x")&lt;/script&gt; &amp; \\| co'), hostile);
    assert.equal(hostile.split(/(?<!\\)\|/).length, rows[0]!.split('|').length, 'the escaped | does not add a cell');
    const md = renderComparisonMarkdown(comparison);
    assert.match(md, /^\*\*recognition \+\d+%, total \+\d+%\*\*\n/);
    assert.match(md, /\| ▲ \| \*recognition\* \|/);
  });

  test('SVG: well-formed XML, names escaped, one bar pair per row, delta labels and legend', () => {
    const svg = renderComparisonSvg(
      compareRuns(
        hostileRun(),
        retime(hostileRun(), (span) => (span.stage === 'recognition' ? 1.5 : 1)),
      ),
    );
    assertWellFormedXml(svg);
    assert.ok(!svg.includes('<script'), 'a span name never becomes markup');
    assert.ok(svg.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; | co'));
    const chart = renderComparisonSvg(comparison);
    assertWellFormedXml(chart);
    assert.ok(chart.includes('A: opt=disabled (7 runs)') && chart.includes('B: opt=all (7 runs)'), 'legend names both sides');
    assert.match(chart, />▲ \+\d+%</);
    assert.match(chart, />≈ [+-][\d.]+% \(noise\)</);
    assert.ok(chart.includes('whisker = middle half of the runs'));
  });
});
