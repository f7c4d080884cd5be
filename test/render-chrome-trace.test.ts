import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { RUN_FORMAT, selfTime, type RunDocument } from '../src/core/run-document.js';
import type { SpanRecord } from '../src/core/types.js';
import { renderChromeTrace, renderChromeTraceJson, type ChromeTrace } from '../src/render/chrome-trace.js';
import { fixture, readRun, runCli, spanRecord, tempDir } from './helpers.js';
import { assertGolden, ocrRun } from './render-helpers.js';

/**
 * The Trace Event Format rules viewers rely on: a traceEvents array; every
 * event has a name, a known phase and a numeric pid; complete events have
 * numeric, finite ts and dur ≥ 0 and a tid; on each (pid, tid) complete events
 * are well nested (no partial overlaps); counters have numeric args; metadata
 * names its thread. Times are compared in integer ns, as Perfetto does.
 */
function validateTrace(trace: unknown): void {
  const value = trace as ChromeTrace;
  assert.ok(value !== null && typeof value === 'object' && Array.isArray(value.traceEvents), 'traceEvents array');
  const tracks = new Map<string, { start: number; end: number; name: string }[]>();
  for (const [index, event] of value.traceEvents.entries()) {
    const where = `traceEvents[${index}] (${JSON.stringify(event).slice(0, 120)})`;
    assert.equal(typeof event.name, 'string', `${where}: name`);
    assert.ok(['X', 'C', 'M'].includes(event.ph), `${where}: phase`);
    assert.equal(typeof event.pid, 'number', `${where}: pid`);
    if (event.ph === 'M') {
      assert.ok(['process_name', 'thread_name', 'thread_sort_index'].includes(event.name), `${where}: metadata name`);
      assert.ok(event.args !== undefined, `${where}: metadata args`);
      continue;
    }
    assert.ok(typeof event.ts === 'number' && Number.isFinite(event.ts) && event.ts >= 0, `${where}: ts`);
    if (event.ph === 'C') {
      assert.ok(
        event.args !== undefined && Object.values(event.args).every((arg) => typeof arg === 'number' && Number.isFinite(arg)),
        `${where}: counter args`,
      );
      continue;
    }
    assert.ok(typeof event.dur === 'number' && Number.isFinite(event.dur) && event.dur >= 0, `${where}: dur`);
    assert.equal(typeof event.tid, 'number', `${where}: tid`);
    const key = `${event.pid}/${event.tid}`;
    const start = Math.round(event.ts * 1000);
    tracks.set(key, [...(tracks.get(key) ?? []), { start, end: start + Math.round(event.dur * 1000), name: event.name }]);
  }
  for (const [key, events] of tracks) {
    events.sort((a, b) => a.start - b.start || b.end - a.end);
    const open: typeof events = [];
    for (const event of events) {
      while (open.length > 0 && open[open.length - 1]!.end <= event.start) open.pop();
      const parent = open[open.length - 1];
      assert.ok(
        parent === undefined || event.end <= parent.end,
        `track ${key}: "${event.name}" [${event.start}, ${event.end}] partially overlaps "${parent?.name}" [${parent?.start}, ${parent?.end}]`,
      );
      open.push(event);
    }
  }
}

/** Seeded random run: nested spans, concurrent siblings, children ending a few ns after their parent. */
function randomRun(seed: number, count: number): RunDocument {
  let state = seed;
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const spans: SpanRecord[] = [];
  const make = (parent: SpanRecord | null, startNs: number, durationNs: number): SpanRecord => {
    const span = spanRecord({
      id: String(spans.length + 1),
      parentId: parent?.id ?? null,
      name: `s${spans.length + 1}`,
      startNs: Math.round(startNs),
      durationNs: Math.round(durationNs),
    });
    spans.push(span);
    return span;
  };
  const root = make(null, 0, 1e9);
  while (spans.length < count) {
    const parent = spans[Math.floor(random() * spans.length)]!;
    if (parent.durationNs < 1000) continue;
    const startNs = parent.startNs + random() * parent.durationNs * 0.9;
    const overrun = random() < 0.2 ? Math.ceil(random() * 3) : 0; // clock reads a few ns apart
    const durationNs = Math.min(parent.startNs + parent.durationNs - startNs, random() * parent.durationNs * 0.5) + overrun;
    make(parent, startNs, durationNs);
  }
  const children = new Map<string, SpanRecord[]>();
  for (const span of spans) if (span.parentId !== null) children.set(span.parentId, [...(children.get(span.parentId) ?? []), span]);
  for (const span of spans) span.selfNs = selfTime(span, children.get(span.id) ?? []);
  return { ...ocrRun(), format: RUN_FORMAT, spans, durationNs: root.durationNs, samples: [] };
}

describe('Chrome/Perfetto trace', () => {
  it('matches the golden trace of the fixed OCR run', () => {
    const json = renderChromeTraceJson(ocrRun());
    assert.deepEqual(JSON.parse(json), renderChromeTrace(ocrRun()));
    assertGolden('ocr-run.trace.json', json);
  });

  it('follows the format: complete events with stage, target, attributes and metrics; names; counters', () => {
    const doc = ocrRun();
    const trace = renderChromeTrace(doc);
    validateTrace(trace);
    const complete = trace.traceEvents.filter((event) => event.ph === 'X');
    assert.equal(complete.length, doc.spans.length);
    const det = complete.find((event) => event.name === 'InferenceSession.run det.onnx')!;
    assert.equal(det.ts, 190_000);
    assert.equal(det.dur, 60_000);
    assert.equal(det.cat, 'detection');
    assert.deepEqual(det.args, {
      stage: 'detection',
      target: 'onnxruntime-node#InferenceSession.prototype.run',
      status: 'ok',
      selfUs: 22_000,
      attributes: { model: 'det.onnx' },
      metrics: { cpuUserNs: 58_000_000 },
    });
    const failed = complete.find((event) => (event.args as { status: string }).status === 'error')!;
    assert.equal((failed.args as { error: string }).error, 'Error: worker terminated');
    const threadNames = trace.traceEvents.filter((event) => event.name === 'thread_name');
    assert.deepEqual(new Set(threadNames.map((event) => event.tid)), new Set(complete.map((event) => event.tid)), 'every track is named');
    const counters = trace.traceEvents.filter((event) => event.ph === 'C');
    assert.equal(
      counters.length,
      doc.samples!.reduce((sum, series) => sum + series.points.length, 0),
    );
    assert.deepEqual(new Set(counters.map((event) => event.name)), new Set(['rssBytes (bytes)', 'cpuPercent (%)']));
  });

  it("puts concurrent spans on separate tracks, keeps sequential ones and children on their parent's track", () => {
    const trace = renderChromeTrace(ocrRun());
    const tidsOf = (name: string): number[] => trace.traceEvents.filter((event) => event.ph === 'X' && event.name === name).map((event) => event.tid!);
    assert.equal(new Set(tidsOf('tesseract worker.recognize')).size, 3, 'three overlapping workers, three tracks');
    const main = tidsOf('run')[0];
    assert.deepEqual(new Set([...tidsOf('InferenceSession.run rec.onnx'), ...tidsOf('InferenceSession.run cls.onnx'), ...tidsOf('Conv')]), new Set([main]));
  });

  it('the validator itself rejects partial overlaps and negative times (so a pass means something)', () => {
    const event = (ts: number, dur: number) => ({ name: 'e', ph: 'X' as const, pid: 1, tid: 1, ts, dur });
    assert.throws(() => validateTrace({ traceEvents: [event(0, 10), event(5, 10)] }), /partially overlaps/);
    assert.throws(() => validateTrace({ traceEvents: [event(-1, 10)] }), /ts/);
    validateTrace({ traceEvents: [event(0, 10), event(2, 3), event(5, 5), event(10, 1)] });
  });

  it('is well nested on every track for random concurrent runs (children overrunning their parent are clipped)', () => {
    for (let seed = 1; seed <= 20; seed += 1) {
      const doc = randomRun(seed, 200);
      const trace = renderChromeTrace(doc);
      validateTrace(trace);
      assert.equal(trace.traceEvents.filter((event) => event.ph === 'X').length, doc.spans.length);
    }
  });

  it('a trace written by `stagescope run --trace` from a concurrent run validates; pictures come with it', async () => {
    const dir = tempDir();
    const files = { trace: path.join(dir, 't.json'), gantt: path.join(dir, 'g.svg'), svg: path.join(dir, 'c.svg'), json: path.join(dir, 'run.json') };
    const result = await runCli([
      'run',
      '--targets',
      fixture('targets/fake.yaml'),
      '--trace',
      files.trace,
      '--gantt',
      files.gantt,
      '--svg',
      files.svg,
      '--json',
      files.json,
      '--compact',
      '--',
      fixture('scripts/concurrent-render.mjs'),
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'done\n');
    assert.match(result.stderr, /worker\.recognize \[recognition\] × 6, total [\d.]+ ms, p50 [\d.]+ ms, max [\d.]+ ms/);
    for (const kind of ['call graph', 'Gantt chart', 'trace']) assert.match(result.stderr, new RegExp(`stagescope: ${kind}[^\\n]* written to `));
    const trace = JSON.parse(readFileSync(files.trace, 'utf8')) as ChromeTrace;
    validateTrace(trace);
    const doc = readRun(files.json);
    const workers = trace.traceEvents.filter((event) => event.name === 'worker.recognize');
    assert.equal(workers.length, 6);
    // They overlap in time, so they cannot share a track.
    assert.ok(new Set(workers.map((event) => event.tid)).size >= 2);
    assert.equal(trace.traceEvents.filter((event) => event.ph === 'X').length, doc.spans.length);
    assert.match(readFileSync(files.svg, 'utf8'), /<svg/);
    assert.match(readFileSync(files.gantt, 'utf8'), /<svg/);
  });

  it('onnxruntime op spans (--onnx-ops) are laid out well nested under their runs', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'ops.json');
    const json = path.join(dir, 'run.json');
    const result = await runCli(['run', '--preset', 'onnx', '--onnx-ops', '--quiet', '--trace', file, '--json', json, '--', 'examples/ocr/paddle-onnx.mjs']);
    assert.equal(result.code, 0, result.stderr);
    const trace = JSON.parse(readFileSync(file, 'utf8')) as ChromeTrace;
    validateTrace(trace);
    const doc = readRun(json);
    const ops = doc.spans.filter((span) => span.attributes.opType !== undefined);
    assert.ok(ops.length > 100, `${ops.length} op spans`);
    assert.equal(trace.traceEvents.filter((event) => event.ph === 'X').length, doc.spans.length);
  });
});
