import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RUN_FORMAT, selfTime, type RunDocument } from '../src/core/run-document.js';
import type { SpanRecord, Stage } from '../src/core/types.js';
import { fixture, repoRoot, spanRecord } from './helpers.js';

/** The hand-made OCR run (det → cls/rec ×4, three concurrent tesseract workers, a hostile span name). */
export function ocrRun(): RunDocument {
  return JSON.parse(readFileSync(fixture('runs', 'ocr-run.json'), 'utf8')) as RunDocument;
}

/**
 * A deterministic ~300-span run (seeded generator, no clock): 10 pages, each with
 * preprocessing, a detection run with 8 distinct op children, cls/rec pairs; and a
 * pool of 4 concurrent tesseract workers. About 150 distinct call sites, so the
 * call graph has to merge small ones.
 */
export function bigRun(): RunDocument {
  let seed = 12345;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const MS = 1e6;
  const spans: SpanRecord[] = [];
  const add = (
    parent: SpanRecord | null,
    name: string,
    stage: Stage | null,
    startNs: number,
    durationNs: number,
    extra: Partial<SpanRecord> = {},
  ): SpanRecord => {
    const span = spanRecord({
      id: String(spans.length + 1),
      parentId: parent?.id ?? null,
      traceId: 'big',
      name,
      stage,
      startNs: Math.round(startNs),
      durationNs: Math.round(durationNs),
      ...extra,
    });
    spans.push(span);
    return span;
  };
  const root = add(null, 'run', null, 0, 0);
  let t = 1 * MS;
  for (const model of ['det', 'cls', 'rec']) {
    const d = (20 + random() * 60) * MS;
    add(root, `InferenceSession.create ${model}.onnx`, 'load', t, d);
    t += d + 0.2 * MS;
  }
  for (let page = 0; page < 10; page += 1) {
    const pageStart = t;
    const pageSpan = add(root, `page ${page}`, null, t, 0);
    for (const op of ['sharp.resize', 'sharp.toBuffer']) {
      const d = (1 + random() * 3) * MS;
      add(pageSpan, op, 'preprocess', t, d);
      t += d + 0.1 * MS;
    }
    const detDuration = (25 + random() * 20) * MS;
    const det = add(pageSpan, 'InferenceSession.run det.onnx', 'detection', t, detDuration);
    let opT = t + 0.5 * MS;
    for (let op = 0; op < 8; op += 1) {
      const d = ((detDuration - 1 * MS) / 8) * (0.5 + random() * 0.5);
      add(det, `Conv_${op}`, 'detection', opT, d, { attributes: { op_name: 'Conv' } });
      opT += d;
    }
    t += detDuration + 0.3 * MS;
    const lines = 3 + Math.floor(random() * 8);
    for (let line = 0; line < lines; line += 1) {
      const c = (0.5 + random()) * MS;
      add(pageSpan, 'InferenceSession.run cls.onnx', 'classification', t, c);
      t += c + 0.1 * MS;
      const r = (8 + random() * 20) * MS;
      add(pageSpan, 'InferenceSession.run rec.onnx', 'recognition', t, r);
      t += r + 0.1 * MS;
    }
    const p = (0.5 + random()) * MS;
    add(pageSpan, 'postprocess', 'postprocess', t, p);
    t += p + 0.2 * MS;
    pageSpan.durationNs = Math.round(t - pageStart);
  }
  const poolStart = t;
  const pool = add(root, 'tesseract pool', null, t, 0);
  let poolEnd = t;
  for (let worker = 0; worker < 4; worker += 1) {
    let wt = poolStart + worker * 0.5 * MS;
    for (let job = 0; job < 5; job += 1) {
      const d = (30 + random() * 40) * MS;
      add(pool, `worker ${worker} recognize`, 'recognition', wt, d, { attributes: { worker } });
      wt += d + 0.2 * MS;
    }
    poolEnd = Math.max(poolEnd, wt);
  }
  pool.durationNs = Math.round(poolEnd - poolStart);
  t = poolEnd + 1 * MS;
  root.durationNs = Math.round(t);
  const children = new Map<string, SpanRecord[]>();
  for (const span of spans) if (span.parentId !== null) children.set(span.parentId, [...(children.get(span.parentId) ?? []), span]);
  for (const span of spans) span.selfNs = selfTime(span, children.get(span.id) ?? []);
  return {
    format: RUN_FORMAT,
    preset: 'ocr',
    command: ['big-synthetic.mjs'],
    startedAt: '2026-01-02T03:04:05.000Z',
    durationNs: root.durationNs,
    overheadNs: 1_000_000,
    wrappedCalls: spans.length - 1,
    droppedSpans: 0,
    exitCode: 0,
    error: null,
    environment: { node: 'v20.20.0', platform: 'linux', arch: 'x64', stagescope: '0.1.0' },
    diagnostics: [],
    spans,
  };
}

/**
 * Compare with test/golden/<name>; `UPDATE_GOLDEN=1 node --test …` rewrites the
 * file instead (then look at the diff and at the picture before committing it).
 */
export function assertGolden(name: string, actual: string): void {
  const file = path.join(repoRoot, 'test/golden', name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`golden file ${file} is missing: run the test with UPDATE_GOLDEN=1 to create it`);
  }
  assert.equal(actual, expected, `output differs from ${file} (UPDATE_GOLDEN=1 rewrites it)`);
}
