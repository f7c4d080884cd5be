import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { nowNs } from '../src/core/clock.js';
import { Tracer } from '../src/core/tracer.js';
import type { FinishedRequest, RequestFinishedListener } from '../src/core/request-events.js';
import { exportSpansFromRequest, SpanLogger, toOtelSpanId, toZipkinSpans } from '../src/export/index.js';
import { fakeRequest } from './export-fake-request.js';

/** A pino logger writing JSON lines into an array. */
function memoryLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ base: null }, stream), lines };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('pino log lines carry trace_id/span_id', () => {
  it('one line per finished request, linked to the exported trace; stage lines with stages: true', async () => {
    const { logger, lines } = memoryLogger();
    const logs = new SpanLogger({ logger, stages: true });
    let publish: RequestFinishedListener = () => {};
    const unsubscribe = logs.subscribe({ onRequestFinished: (listener) => ((publish = listener), () => (publish = () => {})) });
    const request: FinishedRequest = fakeRequest('/predict', 200, [
      { stage: 'detection', target: 'onnxruntime-node#InferenceSession.prototype.run', durationNs: 8_000_000 },
      { stage: 'recognition', target: 'onnxruntime-node#InferenceSession.prototype.run', durationNs: 3_500_000 },
    ]);
    publish(request);
    unsubscribe();
    publish(request); // after unsubscribe: nothing
    await flush();
    assert.equal(lines.length, 3);
    const [summary, det, rec] = lines as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
    assert.equal(summary.msg, 'request finished');
    assert.equal(summary.level, 30);
    assert.equal(summary.trace_id, request.traceId);
    assert.equal(summary.span_id, toOtelSpanId(request.traceId, request.rootSpanId));
    assert.equal(summary.trace_flags, '01');
    assert.equal(summary.request_id, request.id);
    assert.equal(summary.route, '/predict');
    assert.equal(summary.status, 200);
    assert.deepEqual(summary.stages, { detection: 8, recognition: 3.5 });
    // The same ids the span exporters send: a log line links to its span in the backend.
    const zipkinIds = new Set(toZipkinSpans(exportSpansFromRequest(request), { serviceName: 'x' }).map((span) => span.id));
    for (const line of [summary, det, rec]) assert.ok(zipkinIds.has(line.span_id as string));
    assert.equal(det.stage, 'detection');
    assert.equal(det.parent_span_id, summary.span_id);
    assert.equal(det.duration_ms, 8);
    assert.equal(rec.msg, 'span finished');
  });

  it('failed requests log at error level; live spans via attach(tracer)', async () => {
    const { logger, lines } = memoryLogger();
    const logs = new SpanLogger({ logger });
    logs.logRequest(fakeRequest('/predict', 500, []));
    const tracer = new Tracer();
    logs.attach(tracer);
    const root = tracer.startSpan('job', { parent: null });
    const det = tracer.startSpan('det', { parent: root, stage: 'detection' });
    tracer.endSpan(det);
    tracer.endSpan(root, nowNs(), new Error('job failed'));
    await flush();
    assert.equal(lines.length, 2, 'without stages: true only the trace root is logged');
    assert.equal(lines[0]!.level, 50);
    assert.equal(lines[0]!.error, true);
    assert.equal(lines[1]!.msg, 'trace finished');
    assert.equal(lines[1]!.level, 50);
    assert.equal(lines[1]!.trace_id, root.trace.id);
    assert.equal(lines[1]!.span_id, toOtelSpanId(root.trace.id, root.id));
    assert.deepEqual(lines[1]!.exception, { type: 'Error', message: 'job failed' });
  });

  it('a logger that throws never reaches the app', () => {
    const broken = pino({ base: null }, new Writable({ write: (_c, _e, cb) => cb() }));
    broken.info = () => {
      throw new Error('disk full');
    };
    const logs = new SpanLogger({ logger: broken });
    assert.doesNotThrow(() => logs.logRequest(fakeRequest('/x', 200, [])));
    assert.throws(() => new SpanLogger({ logger: broken, level: 'loud' as 'info' }), /option level/);
  });
});
