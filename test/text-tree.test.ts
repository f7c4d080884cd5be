import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { RUN_FORMAT, type RunDocument } from '../src/core/run-document.js';
import type { SpanRecord } from '../src/core/types.js';
import { renderTextTree } from '../src/render/text-tree.js';
import { repoRoot, spanRecord } from './helpers.js';

const MS = 1e6;

function span(id: string, parentId: string | null, name: string, startMs: number, durationMs: number, extra: Partial<SpanRecord> = {}): SpanRecord {
  return spanRecord({ id, parentId, name, startNs: startMs * MS, durationNs: durationMs * MS, ...extra });
}

function doc(spans: SpanRecord[], extra: Partial<RunDocument> = {}): RunDocument {
  return {
    format: RUN_FORMAT,
    preset: 'onnx',
    command: ['paddle-onnx.mjs'],
    startedAt: '2026-01-02T12:00:01.120Z',
    durationNs: spans[0]!.durationNs,
    overheadNs: 41_000,
    wrappedCalls: 12,
    droppedSpans: 0,
    exitCode: 0,
    error: null,
    environment: { node: 'v20', platform: 'linux', arch: 'x64', stagescope: 'test' },
    diagnostics: [],
    spans,
    ...extra,
  };
}

/** UTC so the golden file does not depend on the machine's time zone. */
const utcClock = (wallMs: number): string => new Date(wallMs).toISOString().slice(11, 23);

const ocrRun = doc([
  span('1', null, 'run', 0, 392.1),
  span('2', '1', 'InferenceSession.create ch_PP-OCRv4_det_infer.onnx', 1, 169, { stage: 'load' }),
  span('3', '1', 'InferenceSession.run ch_PP-OCRv4_det_infer.onnx', 171, 120, { stage: 'detection' }),
  span('4', '3', 'sharp.toBuffer resize(960x640) raw', 172, 12.5, { stage: 'preprocess' }),
  span('5', '1', 'InferenceSession.run ch_PP-OCRv4_rec_infer.onnx', 292, 99.9, {
    stage: 'recognition',
    status: 'error',
    error: { name: 'Error', message: 'input dims mismatch\nat line 2' },
  }),
  span('6', '5', 'postprocess', 300, 0.0004, { status: 'unfinished' }),
]);

describe('renderTextTree', () => {
  it('matches the golden file (interval, share of root, glyphs, stage, duration, OH, errors)', () => {
    const golden = path.join(repoRoot, 'test/golden/text-tree.txt');
    const text = renderTextTree(ocrRun, { formatClock: utcClock });
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, text);
    assert.equal(text, readFileSync(golden, 'utf8'));
  });

  it('stays aligned with 150 nodes: every line has the same prefix columns and the tree glyphs nest', () => {
    const spans = [span('1', null, 'run', 0, 1500)];
    for (let i = 0; i < 50; i++) {
      const page = String(2 + i * 3);
      spans.push(span(page, '1', `page ${i}`, i * 30, 29, { stage: 'detection' }));
      spans.push(span(String(3 + i * 3), page, `rec ${i}`, i * 30 + 1, 10, { stage: 'recognition' }));
      spans.push(span(String(4 + i * 3), page, `cls ${i}`, i * 30 + 12, 10, { stage: 'classification' }));
    }
    const lines = renderTextTree(doc(spans), { formatClock: utcClock }).trimEnd().split('\n');
    assert.equal(lines.length, 151);
    for (const line of lines) {
      assert.match(line, /^\[\d\d:\d\d:\d\d\.\d{3} - \d\d:\d\d:\d\d\.\d{3}\]  \[[ \d]{3}\.\d\d%\] /, line);
      assert.equal(line.indexOf('%]'), lines[0]!.indexOf('%]'));
    }
    assert.match(lines[1]!, /\]   ├─ page 0 \[detection\] \(29\.0 ms\)$/);
    assert.match(lines[2]!, /\]   │  ├─ rec 0 \[recognition\] \(10\.0 ms\)$/);
    assert.match(lines[3]!, /\]   │  └─ cls 0 \[classification\] \(10\.0 ms\)$/);
    assert.match(lines.at(-1)!, /\]      └─ cls 49 /);
  });

  it('maxDepth cuts the tree and says how much is below', () => {
    const text = renderTextTree(ocrRun, { formatClock: utcClock, maxDepth: 1 });
    assert.match(text, /… 1 more below/);
    assert.doesNotMatch(text, /sharp\.toBuffer/);
  });

  it("a folded line of same-named calls from several targets counts only the cut targets' unrecorded calls", () => {
    // foldSiblings groups by name: three `f` calls of lib-a (cut by the budget)
    // and three of lib-b (not cut), in either order.
    for (const order of [
      ['lib-a#f', 'lib-b#f'],
      ['lib-b#f', 'lib-a#f'],
    ]) {
      const spans = [span('1', null, 'run', 0, 100)];
      order.forEach((target, t) => {
        for (let i = 0; i < 3; i++) spans.push(span(`${t}${i}`, '1', 'f', 1 + t * 10 + i, 1, { target }));
      });
      const text = renderTextTree(
        doc(spans, {
          budget: { sampled: 0, disabled: 1, skippedCalls: 500, skippedByTarget: { 'lib-a#f': 500 } },
          adaptive: [{ target: 'lib-a#f', action: 'disable', reason: 'over budget', atNs: 5 * MS }],
        }),
        { compact: true, formatClock: utcClock },
      );
      const line = text.split('\n').find((row) => row.includes('f × 6'));
      assert.ok(line?.endsWith('(⚙ disabled: 500 more calls of one of these targets not recorded in the run)'), `${order.join(', ')}:\n${text}`);
    }
  });

  it('counts the calls a restored target left unrecorded, on the root line and its folded line', () => {
    const spans = [span('1', null, 'run', 0, 100)];
    for (let i = 0; i < 3; i++) spans.push(span(`c${i}`, '1', 'f', 1 + i, 1, { target: 'lib-a#f' }));
    const adaptive = [
      { target: 'lib-a#f', action: 'sample' as const, sampleEvery: 10, reason: 'over budget', atNs: 5 * MS },
      { target: 'lib-a#f', action: 'restore' as const, reason: 'restored by the user', atNs: 9 * MS },
    ];
    const restoredOnly = renderTextTree(
      doc(spans, { budget: { sampled: 0, disabled: 0, restored: 1, skippedCalls: 900, skippedByTarget: { 'lib-a#f': 900 } }, adaptive }),
      { compact: true, formatClock: utcClock },
    ).split('\n');
    assert.match(restoredOnly[0]!, /, ⚙ 1 target restored \(900 calls not recorded\)\]$/);
    assert.ok(
      restoredOnly.find((row) => row.includes('f × 3'))?.endsWith('(⚙ restored: 900 more calls of this target not recorded in the run)'),
      restoredOnly.join('\n'),
    );
    const withOthers = renderTextTree(doc(spans, { budget: { sampled: 2, disabled: 1, restored: 1, skippedCalls: 5 }, adaptive }), {
      compact: true,
      formatClock: utcClock,
    });
    assert.match(withOthers.split('\n')[0]!, /, ⚙ 2 targets sampled, 1 disabled, 1 restored \(5 calls not recorded\)\]$/);
  });

  it('shows dropped spans on the root line', () => {
    const text = renderTextTree({ ...ocrRun, droppedSpans: 7 }, { formatClock: utcClock });
    assert.match(text.split('\n')[0]!, /\[OH 41\.0 µs, 12 wrapped calls, 7 spans dropped \(buffer full\)\]$/);
  });
});
