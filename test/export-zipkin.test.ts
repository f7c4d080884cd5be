import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
// The OpenTelemetry Zipkin exporter's own span mapping, as a cross-check of ours (not exported from its index).
import { toZipkinSpan } from '@opentelemetry/exporter-zipkin/build/src/transform.js';
import { nowNs, nsToEpochNs } from '../src/core/clock.js';
import type { Span } from '../src/core/span.js';
import { Tracer } from '../src/core/tracer.js';
import {
  exportSpanFromLive,
  stagescopeResource,
  toOtelSpanId,
  toReadableSpan,
  toZipkinSpans,
  ZipkinSpanExporter,
  type ZipkinSpan,
} from '../src/export/index.js';
import { startReceiver, type LoopbackReceiver } from './export-receiver.js';

const REMOTE_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const REMOTE_SPAN_ID = 'b7ad6b7169203331';

function makeTrace(tracer: Tracer): Span[] {
  const root = tracer.startSpan('GET /ocr', { parent: null, traceId: REMOTE_TRACE_ID, remoteParentId: REMOTE_SPAN_ID });
  root.setAttribute('http.request.method', 'GET');
  const det = tracer.startSpan('det', { parent: root, stage: 'detection', target: 'onnxruntime-node#InferenceSession.prototype.run' });
  det.setMetric('heapUsedDeltaBytes', 4096);
  det.setAttribute('cached', false);
  tracer.endSpan(det);
  const rec = tracer.startSpan('rec', { parent: root, stage: 'recognition' });
  tracer.endSpan(rec, nowNs(), new RangeError('empty crop'));
  // A span shorter than a microsecond still gets a positive duration.
  const tiny = tracer.startSpan('tiny', { parent: root, stage: 'postprocess' });
  tracer.endSpan(tiny, tiny.startNs + 200);
  tracer.endSpan(root);
  return [root, det, rec, tiny];
}

/** The Zipkin v2 model (zipkin2 `Span`, api/v2 swagger): required fields, types, id formats. */
function assertZipkinV2(span: Record<string, unknown>): void {
  assert.match(span.traceId as string, /^([0-9a-f]{16}|[0-9a-f]{32})$/, 'traceId: 16 or 32 lowercase hex');
  assert.match(span.id as string, /^[0-9a-f]{16}$/, 'id: 16 lowercase hex');
  if (span.parentId !== undefined) {
    assert.match(span.parentId as string, /^[0-9a-f]{16}$/, 'parentId: 16 lowercase hex');
    assert.notEqual(span.parentId, span.id);
  }
  assert.equal(typeof span.name, 'string');
  assert.ok(Number.isSafeInteger(span.timestamp) && (span.timestamp as number) > 1_500_000_000_000_000, 'timestamp: epoch µs integer');
  assert.ok(Number.isSafeInteger(span.duration) && (span.duration as number) >= 1, 'duration: µs integer >= 1');
  if (span.kind !== undefined) assert.ok(['CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER'].includes(span.kind as string));
  const endpoint = span.localEndpoint as { serviceName?: unknown };
  assert.equal(typeof endpoint.serviceName, 'string');
  assert.equal(endpoint.serviceName, (endpoint.serviceName as string).toLowerCase());
  for (const [key, value] of Object.entries(span.tags as Record<string, unknown>)) assert.equal(typeof value, 'string', `tag ${key} is a string`);
  for (const annotation of (span.annotations ?? []) as { timestamp: unknown; value: unknown }[]) {
    assert.ok(Number.isSafeInteger(annotation.timestamp));
    assert.equal(typeof annotation.value, 'string');
  }
  const allowed = new Set([
    'traceId',
    'id',
    'parentId',
    'name',
    'kind',
    'timestamp',
    'duration',
    'localEndpoint',
    'remoteEndpoint',
    'tags',
    'annotations',
    'debug',
    'shared',
  ]);
  for (const key of Object.keys(span)) assert.ok(allowed.has(key), `field ${key} is in the v2 model`);
}

describe('Zipkin v2 JSON export to a loopback receiver', () => {
  let receiver: LoopbackReceiver;
  before(async () => {
    receiver = await startReceiver(() => ({ status: 202, type: 'text/plain', body: '' }));
  });
  after(() => receiver.close());

  it('posts spans that satisfy the v2 model, with parent links and µs times', async () => {
    const tracer = new Tracer();
    const exporter = new ZipkinSpanExporter({ url: receiver.url('/api/v2/spans'), serviceName: 'OCR-API', flushIntervalMs: 10 });
    exporter.attach(tracer);
    const spans = makeTrace(tracer);
    await exporter.shutdown();
    assert.equal(exporter.stats.sent, 4);
    assert.equal(receiver.requests.length, 1);
    const request = receiver.requests[0]!;
    assert.equal(request.path, '/api/v2/spans');
    assert.equal(request.headers['content-type'], 'application/json');
    const body = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>[];
    assert.ok(Array.isArray(body));
    assert.equal(body.length, 4);
    body.forEach(assertZipkinV2);
    const byId = new Map(body.map((span) => [span.id as string, span as unknown as ZipkinSpan]));
    for (const span of spans) {
      const zipkin = byId.get(toOtelSpanId(span.trace.id, span.id));
      assert.ok(zipkin, `${span.name} is in the payload`);
      assert.equal(zipkin.traceId, REMOTE_TRACE_ID);
      assert.equal(zipkin.parentId, span.parent === null ? REMOTE_SPAN_ID : toOtelSpanId(span.trace.id, span.parent.id));
      assert.equal(zipkin.timestamp, Number(nsToEpochNs(span.startNs) / 1000n));
      assert.equal(zipkin.localEndpoint.serviceName, 'ocr-api');
      assert.equal(zipkin.tags['stagescope.stage'], span.stage ?? undefined);
    }
    const root = body.find((span) => span.name === 'GET /ocr') as unknown as ZipkinSpan;
    assert.equal(root.kind, 'SERVER');
    const det = body.find((span) => span.name === 'det') as unknown as ZipkinSpan;
    assert.equal(det.kind, undefined, 'in-process spans are local (no kind)');
    assert.equal(det.tags['stagescope.metric.heapUsedDeltaBytes'], '4096');
    assert.equal(det.tags.cached, 'false');
    const rec = body.find((span) => span.name === 'rec') as unknown as ZipkinSpan;
    assert.equal(rec.tags.error, 'empty crop');
    assert.equal(rec.annotations?.[0]?.value, 'exception: RangeError');
    const tiny = body.find((span) => span.name === 'tiny') as unknown as ZipkinSpan;
    assert.equal(tiny.duration, 1);
  });

  it('agrees with the OpenTelemetry Zipkin exporter’s own mapping on ids, parents, names, kinds and times', () => {
    const tracer = new Tracer();
    const spans = makeTrace(tracer);
    const resource = stagescopeResource('ocr-api');
    for (const span of spans) {
      const exported = exportSpanFromLive(span);
      const official = toZipkinSpan(toReadableSpan(exported, { resource }), 'ocr-api', 'otel.status_code', 'error');
      const [ours] = toZipkinSpans([exported], { serviceName: 'ocr-api' });
      assert.equal(ours!.traceId, official.traceId);
      assert.equal(ours!.id, official.id);
      assert.equal(ours!.parentId, official.parentId);
      assert.equal(ours!.name, official.name);
      assert.equal(ours!.kind, official.kind);
      // Same instant to the microsecond (the SDK rounds, we truncate ns to whole µs).
      assert.ok(Math.abs(ours!.timestamp - official.timestamp) <= 1);
      assert.ok(Math.abs(ours!.duration - official.duration) <= 1);
      if (span.status === 'error') assert.equal(ours!.tags.error, official.tags.error);
    }
  });
});
