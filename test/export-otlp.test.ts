import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { nowNs, nsToEpochNs } from '../src/core/clock.js';
import { buildRunDocument } from '../src/core/run-document.js';
import type { Span } from '../src/core/span.js';
import { Tracer } from '../src/core/tracer.js';
import { extractTraceparent, formatTraceparent, OtlpSpanExporter, toOtelSpanId, W3CTraceContextPropagator, type OtlpProtocol } from '../src/export/index.js';
import { fixture } from './helpers.js';
import { startReceiver, type LoopbackReceiver } from './export-receiver.js';

const REMOTE_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const REMOTE_SPAN_ID = '00f067aa0ba902b7';
const DET_TARGET = 'onnxruntime-node#InferenceSession.prototype.run';

/** A request-shaped trace joined to a remote caller: root → det → conv, root → rec (fails). */
function makeTrace(tracer: Tracer): Span[] {
  const remote = extractTraceparent(`00-${REMOTE_TRACE_ID}-${REMOTE_SPAN_ID}-01`);
  assert.ok(remote);
  const root = tracer.startSpan('POST /predict', { parent: null, traceId: remote.traceId, remoteParentId: remote.spanId });
  root.setAttribute('http.request.method', 'POST');
  const det = tracer.startSpan('det', { parent: root, stage: 'detection', target: DET_TARGET });
  det.setAttribute('model', 'det.onnx');
  det.setMetric('heapUsedDeltaBytes', 1234);
  det.setMetric('cpuRatio', 0.5);
  const conv = tracer.startSpan('Conv', { parent: det, stage: 'detection' });
  tracer.endSpan(conv, conv.startNs + 1_234_567);
  tracer.endSpan(det);
  const rec = tracer.startSpan('rec', { parent: root, stage: 'recognition', target: DET_TARGET });
  tracer.endSpan(rec, nowNs(), new TypeError('bad tensor shape'));
  tracer.endSpan(root);
  return [root, det, conv, rec];
}

/** The exported tree in one normalized shape, whichever encoding it came from. */
interface TreeSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Record<string, unknown>;
  status: { code: number; message: string };
  events: { name: string; timeUnixNano: string; attributes: Record<string, unknown> }[];
}
interface Tree {
  resource: Record<string, unknown>;
  scope: string;
  spans: TreeSpan[];
}

type AnyValueLike = Record<string, unknown> | null | undefined;
function anyValue(value: AnyValueLike): unknown {
  if (value === null || value === undefined) return undefined;
  if (value.stringValue !== undefined && value.stringValue !== null) return value.stringValue;
  if (value.boolValue !== undefined && value.boolValue !== null) return value.boolValue;
  if (value.intValue !== undefined && value.intValue !== null) return Number(value.intValue);
  if (value.doubleValue !== undefined && value.doubleValue !== null) return Number(value.doubleValue);
  return JSON.stringify(value);
}
function attributes(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of (list ?? []) as { key: string; value: AnyValueLike }[]) out[kv.key] = anyValue(kv.value);
  return out;
}
const hex = (bytes: unknown): string => (bytes === undefined || bytes === null ? '' : Buffer.from(bytes as Uint8Array).toString('hex'));

function treeFromProtobuf(body: Buffer): Tree {
  const root = protobuf.loadSync(fixture('otlp/trace-service.proto'));
  const Request = root.lookupType('opentelemetry.proto.ExportTraceServiceRequest');
  const message = Request.decode(body);
  // longs as decimal strings (fixed64 nanos), bytes kept as Uint8Array, enums as numbers.
  const object = Request.toObject(message, { longs: String, defaults: true }) as {
    resourceSpans: { resource: { attributes: unknown }; scopeSpans: { scope: { name: string }; spans: Record<string, unknown>[] }[] }[];
  };
  assert.equal(object.resourceSpans.length, 1);
  const rs = object.resourceSpans[0]!;
  assert.equal(rs.scopeSpans.length, 1);
  const ss = rs.scopeSpans[0]!;
  return {
    resource: attributes(rs.resource.attributes),
    scope: ss.scope.name,
    spans: ss.spans.map((span) => ({
      traceId: hex(span.traceId),
      spanId: hex(span.spanId),
      parentSpanId: hex(span.parentSpanId),
      name: span.name as string,
      kind: span.kind as number,
      startTimeUnixNano: String(span.startTimeUnixNano),
      endTimeUnixNano: String(span.endTimeUnixNano),
      attributes: attributes(span.attributes),
      status: { code: (span.status as { code: number }).code, message: (span.status as { message: string }).message },
      events: (span.events as Record<string, unknown>[]).map((event) => ({
        name: event.name as string,
        timeUnixNano: String(event.timeUnixNano),
        attributes: attributes(event.attributes),
      })),
    })),
  };
}

function treeFromJson(body: Buffer): Tree {
  const object = JSON.parse(body.toString('utf8')) as {
    resourceSpans: { resource: { attributes: unknown }; scopeSpans: { scope: { name: string }; spans: Record<string, unknown>[] }[] }[];
  };
  assert.equal(object.resourceSpans.length, 1);
  const rs = object.resourceSpans[0]!;
  const ss = rs.scopeSpans[0]!;
  return {
    resource: attributes(rs.resource.attributes),
    scope: ss.scope.name,
    spans: ss.spans.map((span) => {
      // OTLP/JSON mapping: ids are lowercase hex strings (not base64), 64-bit nanos are decimal strings.
      assert.match(span.traceId as string, /^[0-9a-f]{32}$/);
      assert.match(span.spanId as string, /^[0-9a-f]{16}$/);
      assert.match(String(span.startTimeUnixNano), /^\d+$/);
      const status = (span.status ?? {}) as { code?: number; message?: string };
      return {
        traceId: span.traceId as string,
        spanId: span.spanId as string,
        parentSpanId: (span.parentSpanId as string | undefined) ?? '',
        name: span.name as string,
        kind: span.kind as number,
        startTimeUnixNano: String(span.startTimeUnixNano),
        endTimeUnixNano: String(span.endTimeUnixNano),
        attributes: attributes(span.attributes),
        status: { code: status.code ?? 0, message: status.message ?? '' },
        events: ((span.events ?? []) as Record<string, unknown>[]).map((event) => ({
          name: event.name as string,
          timeUnixNano: String(event.timeUnixNano),
          attributes: attributes(event.attributes),
        })),
      };
    }),
  };
}

/** What the tree must be, computed from the live spans independently of the exporter. */
function assertTreeMatches(tree: Tree, spans: Span[]): void {
  assert.equal(tree.resource['service.name'], 'ocr-api');
  assert.equal(tree.scope, 'stagescope');
  assert.equal(tree.spans.length, spans.length);
  const byId = new Map(tree.spans.map((span) => [span.spanId, span]));
  for (const span of spans) {
    const traceId = span.trace.id;
    const exported = byId.get(toOtelSpanId(traceId, span.id));
    assert.ok(exported, `span ${span.name} exported with its derived id`);
    assert.equal(exported.traceId, REMOTE_TRACE_ID, 'trace joins the remote trace');
    assert.equal(exported.name, span.name);
    assert.equal(exported.parentSpanId, span.parent === null ? REMOTE_SPAN_ID : toOtelSpanId(traceId, span.parent.id), `${span.name} parent`);
    // ns-exact: the same integer as stagescope's clock, not a millisecond-anchored float.
    assert.equal(exported.startTimeUnixNano, nsToEpochNs(span.startNs).toString(), `${span.name} start`);
    assert.equal(exported.endTimeUnixNano, nsToEpochNs(span.endNs).toString(), `${span.name} end`);
    assert.equal(exported.attributes['stagescope.span_id'], span.id);
    assert.equal(exported.attributes['stagescope.stage'], span.stage ?? undefined);
    assert.equal(exported.attributes['stagescope.target'], span.target ?? undefined);
    assert.equal(exported.kind, span.parent === null ? 2 /* SERVER */ : 1 /* INTERNAL */);
    if (span.status === 'error') {
      assert.deepEqual(exported.status, { code: 2, message: 'bad tensor shape' });
      assert.equal(exported.events.length, 1);
      assert.equal(exported.events[0]!.name, 'exception');
      assert.equal(exported.events[0]!.timeUnixNano, exported.endTimeUnixNano);
      assert.equal(exported.events[0]!.attributes['exception.type'], 'TypeError');
      assert.equal(exported.events[0]!.attributes['exception.message'], 'bad tensor shape');
      assert.match(String(exported.events[0]!.attributes['exception.stacktrace']), /TypeError: bad tensor shape/);
    } else {
      assert.equal(exported.status.code, 1 /* OK */);
      assert.equal(exported.events.length, 0);
    }
  }
  const det = tree.spans.find((span) => span.name === 'det')!;
  assert.equal(det.attributes.model, 'det.onnx');
  assert.equal(det.attributes['stagescope.metric.heapUsedDeltaBytes'], 1234);
  assert.equal(det.attributes['stagescope.metric.cpuRatio'], 0.5);
  const conv = tree.spans.find((span) => span.name === 'Conv')!;
  assert.equal(BigInt(conv.endTimeUnixNano) - BigInt(conv.startTimeUnixNano), 1_234_567n, 'duration kept to the nanosecond');
}

describe('OTLP export through the OpenTelemetry SDK to a loopback receiver', () => {
  let receiver: LoopbackReceiver;
  before(async () => {
    receiver = await startReceiver((req) =>
      req.headers['content-type'] === 'application/x-protobuf'
        ? { status: 200, type: 'application/x-protobuf', body: new Uint8Array() }
        : { status: 200, type: 'application/json', body: '{}' },
    );
  });
  after(() => receiver.close());

  const trees: Partial<Record<OtlpProtocol, Tree>> = {};
  for (const protocol of ['http/protobuf', 'http/json'] as const) {
    it(`${protocol}: the payload decodes to the same tree (ids, parents, ns times, attributes, error event)`, async () => {
      const tracer = new Tracer();
      const exporter = new OtlpSpanExporter({ url: receiver.url(`/v1/traces?${protocol}`), protocol, serviceName: 'ocr-api', flushIntervalMs: 10 });
      exporter.attach(tracer);
      const spans = makeTrace(tracer);
      await exporter.flush();
      assert.deepEqual(exporter.stats, { queued: 0, inFlight: 0, sent: 4, dropped: 0, failedAttempts: 0 });
      const request = receiver.requests.find((req) => req.path.endsWith(protocol));
      assert.ok(request, 'the receiver got the export');
      assert.equal(request.method, 'POST');
      assert.equal(request.headers['content-type'], protocol === 'http/protobuf' ? 'application/x-protobuf' : 'application/json');
      const tree = protocol === 'http/protobuf' ? treeFromProtobuf(request.body) : treeFromJson(request.body);
      assertTreeMatches(tree, spans);
      trees[protocol] = tree;
      await exporter.shutdown();
    });
  }

  it('both encodings carry the same tree apart from the ids of their own traces', () => {
    const strip = (tree: Tree | undefined): unknown =>
      tree?.spans.map((span) => ({
        name: span.name,
        kind: span.kind,
        attributes: Object.keys(span.attributes).sort(),
        status: span.status.code,
        events: span.events.length,
      }));
    assert.ok(trees['http/protobuf'] && trees['http/json']);
    assert.deepEqual(strip(trees['http/protobuf']), strip(trees['http/json']));
  });

  it('a saved run document exports with the same parent links', async () => {
    const tracer = new Tracer();
    const root = tracer.startSpan('run', { parent: null });
    const child = tracer.startSpan('det', { parent: root, stage: 'detection', target: DET_TARGET });
    tracer.endSpan(child);
    tracer.endSpan(root);
    const doc = buildRunDocument({ preset: 'onnx', command: ['x.mjs'], root, spans: tracer.recorder.spans(), droppedSpans: 0, stagescopeVersion: '0' });
    const exporter = new OtlpSpanExporter({ url: receiver.url('/v1/traces?run'), protocol: 'http/json', serviceName: 'ocr-api', spanIdSalt: 'fixed' });
    assert.equal(exporter.exportRun(doc), 2);
    await exporter.shutdown();
    const request = receiver.requests.find((req) => req.path.endsWith('?run'));
    assert.ok(request);
    const tree = treeFromJson(request.body);
    const rootOut = tree.spans.find((span) => span.name === 'run')!;
    const childOut = tree.spans.find((span) => span.name === 'det')!;
    assert.equal(rootOut.spanId, toOtelSpanId(root.trace.id, root.id, 'fixed'));
    assert.equal(rootOut.parentSpanId, '');
    assert.equal(childOut.parentSpanId, rootOut.spanId);
    assert.equal(BigInt(childOut.endTimeUnixNano) - BigInt(childOut.startTimeUnixNano), BigInt(Math.round(child.endNs - child.startNs)));
  });

  it('bad options fail at construction and name the option', () => {
    assert.throws(() => new OtlpSpanExporter({ url: 'not a url' }), /option url/);
    assert.throws(() => new OtlpSpanExporter({ protocol: 'grpc' as OtlpProtocol }), /option protocol/);
    assert.throws(() => new OtlpSpanExporter({ maxQueueItems: 0 }), /option maxQueueItems/);
  });

  it('after shutdown, exporting is refused without throwing', async () => {
    const exporter = new OtlpSpanExporter({ url: receiver.url('/v1/traces?late'), serviceName: 'x' });
    await exporter.shutdown();
    const tracer = new Tracer();
    const span = tracer.startSpan('late', { parent: null });
    tracer.endSpan(span);
    assert.equal(exporter.exportSpan(span), false);
    assert.equal(exporter.stats.dropped, 1);
  });
});

describe('W3C traceparent', () => {
  it('extracts a valid header and rejects invalid ones', () => {
    assert.deepEqual(extractTraceparent(`00-${REMOTE_TRACE_ID}-${REMOTE_SPAN_ID}-01`), {
      traceId: REMOTE_TRACE_ID,
      spanId: REMOTE_SPAN_ID,
      sampled: true,
      traceFlags: 1,
    });
    assert.equal(extractTraceparent(`00-${REMOTE_TRACE_ID}-${REMOTE_SPAN_ID}-00`)?.sampled, false);
    assert.equal(extractTraceparent([`  00-${REMOTE_TRACE_ID}-${REMOTE_SPAN_ID}-01 `])?.traceId, REMOTE_TRACE_ID);
    // A future version may append fields after a dash.
    assert.equal(extractTraceparent(`01-${REMOTE_TRACE_ID}-${REMOTE_SPAN_ID}-01-extra`)?.spanId, REMOTE_SPAN_ID);
    for (const bad of [
      undefined,
      '',
      `00-${'0'.repeat(32)}-${REMOTE_SPAN_ID}-01`,
      `00-${REMOTE_TRACE_ID}-${'0'.repeat(16)}-01`,
      `00-${REMOTE_TRACE_ID.toUpperCase()}-${REMOTE_SPAN_ID}-01`,
      `ff-${REMOTE_TRACE_ID}-${REMOTE_SPAN_ID}-01`,
      `00-${REMOTE_TRACE_ID}-${REMOTE_SPAN_ID}-01-extra`,
      `00_${REMOTE_TRACE_ID}-${REMOTE_SPAN_ID}-01`,
      `00-${REMOTE_TRACE_ID}-${REMOTE_SPAN_ID}-zz`,
      [`00-${REMOTE_TRACE_ID}-${REMOTE_SPAN_ID}-01`, `00-${REMOTE_TRACE_ID}-${REMOTE_SPAN_ID}-01`],
      'x'.repeat(10_000),
    ]) {
      assert.equal(extractTraceparent(bad), null, `rejects ${JSON.stringify(bad)?.slice(0, 80)}`);
    }
  });

  it('formats, and refuses ids that are not W3C hex', () => {
    assert.equal(formatTraceparent(REMOTE_TRACE_ID, REMOTE_SPAN_ID), `00-${REMOTE_TRACE_ID}-${REMOTE_SPAN_ID}-01`);
    assert.equal(formatTraceparent(REMOTE_TRACE_ID, REMOTE_SPAN_ID, false), `00-${REMOTE_TRACE_ID}-${REMOTE_SPAN_ID}-00`);
    assert.throws(() => formatTraceparent('abc', REMOTE_SPAN_ID), /traceId/);
    assert.throws(() => formatTraceparent(REMOTE_TRACE_ID, '1'), /spanId/);
  });

  it('the propagator round-trips: the response header names the exported root span', () => {
    const propagator = new W3CTraceContextPropagator();
    const remote = propagator.extract({ traceparent: `00-${REMOTE_TRACE_ID}-${REMOTE_SPAN_ID}-01` });
    assert.deepEqual(remote, { traceId: REMOTE_TRACE_ID, spanId: REMOTE_SPAN_ID, sampled: true });
    assert.equal(propagator.extract({ traceparent: 'garbage' }), undefined);
    const tracer = new Tracer();
    const root = tracer.startSpan('GET /', { parent: null, traceId: remote!.traceId, remoteParentId: remote!.spanId });
    assert.equal(root.trace.id, REMOTE_TRACE_ID);
    assert.equal(root.trace.remoteParentId, REMOTE_SPAN_ID);
    const headers = propagator.inject({ traceId: root.trace.id, rootSpanId: root.id });
    assert.deepEqual(headers, { traceparent: `00-${REMOTE_TRACE_ID}-${toOtelSpanId(REMOTE_TRACE_ID, root.id)}-01` });
  });

  it('Tracer.startSpan ignores an invalid traceId/remoteParentId (random id, no remote parent)', () => {
    const tracer = new Tracer();
    const span = tracer.startSpan('x', { parent: null, traceId: 'NOT-HEX', remoteParentId: REMOTE_SPAN_ID });
    assert.match(span.trace.id, /^[0-9a-f]{32}$/);
    assert.notEqual(span.trace.id, 'NOT-HEX');
    assert.equal(span.trace.remoteParentId, null);
    const other = tracer.startSpan('y', { parent: null, traceId: REMOTE_TRACE_ID, remoteParentId: 'nope' });
    assert.equal(other.trace.id, REMOTE_TRACE_ID);
    assert.equal(other.trace.remoteParentId, null);
  });
});
