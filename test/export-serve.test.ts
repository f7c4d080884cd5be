import assert from 'node:assert/strict';
import http from 'node:http';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { Preset } from '../src/presets/preset.js';
import { ServeScope } from '../src/serve/serve-scope.js';
import { extractTraceparent, OtlpSpanExporter, PrometheusMetrics, SpanLogger, W3CTraceContextPropagator } from '../src/export/index.js';
import { startReceiver, type LoopbackReceiver } from './export-receiver.js';
import { close, fakePreset, listen, request, waitForRequests, type FakeLib } from './serve-fixtures.js';

const REMOTE_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const REMOTE_SPAN_ID = '00f067aa0ba902b7';

interface JsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string } }[];
}

describe('exporters subscribed to the serving middleware, with W3C traceparent in and out', () => {
  let preset: Preset;
  let lib: FakeLib;
  let scope: ServeScope;
  let receiver: LoopbackReceiver;
  let otlp: OtlpSpanExporter;
  let metrics: PrometheusMetrics;
  const logLines: Record<string, unknown>[] = [];
  let server: http.Server;
  let port = 0;

  before(async () => {
    ({ preset, lib } = fakePreset());
    const engine = await lib.Engine.create('det');
    receiver = await startReceiver();
    scope = new ServeScope(preset, { maxOverheadPct: Infinity, propagator: new W3CTraceContextPropagator(), routeOf: () => '/predict' });
    otlp = new OtlpSpanExporter({ url: receiver.url('/v1/traces'), protocol: 'http/json', serviceName: 'serve-test', flushIntervalMs: 10 });
    otlp.subscribe(scope);
    metrics = new PrometheusMetrics({ preset: 'test' });
    metrics.subscribe(scope);
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
        callback();
      },
    });
    new SpanLogger({ logger: pino({ base: null }, stream) }).subscribe(scope);
    server = http.createServer(
      scope.http((_req, res) => {
        void engine.run('x').then((out) => res.end(out));
      }),
    );
    port = await listen(server);
  });

  after(async () => {
    await close(server);
    await otlp.shutdown();
    await receiver.close();
    metrics.close();
    scope.close();
    preset.finish(0);
  });

  it('a request with a traceparent joins the caller’s trace; its response names the exported root span', async () => {
    const reply = await request(port, '/predict?x=1', { headers: { traceparent: `00-${REMOTE_TRACE_ID}-${REMOTE_SPAN_ID}-01` } });
    assert.equal(reply.status, 200);
    const out = extractTraceparent(reply.headers.traceparent as string);
    assert.ok(out, `response traceparent: ${String(reply.headers.traceparent)}`);
    assert.equal(out.traceId, REMOTE_TRACE_ID);
    assert.notEqual(out.spanId, REMOTE_SPAN_ID);

    await waitForRequests(scope.store, 1);
    await otlp.flush();
    const spans = receiver.requests.flatMap((req) =>
      (JSON.parse(req.body.toString('utf8')) as { resourceSpans: { scopeSpans: { spans: JsonSpan[] }[] }[] }).resourceSpans.flatMap((rs) =>
        rs.scopeSpans.flatMap((ss) => ss.spans),
      ),
    );
    const root = spans.find((span) => span.spanId === out.spanId);
    assert.ok(root, 'the exported root span has the id the response header named');
    assert.equal(root.parentSpanId, REMOTE_SPAN_ID, 'its parent is the caller’s span');
    assert.equal(root.kind, 2, 'SERVER');
    assert.ok(spans.every((span) => span.traceId === REMOTE_TRACE_ID));
    const run = spans.find((span) => span.name === 'Engine.run');
    assert.ok(run, JSON.stringify(spans.map((span) => span.name)));
    assert.equal(run.attributes.find((a) => a.key === 'stagescope.stage')?.value.stringValue, 'detection');
    const ids = new Set(spans.map((span) => span.spanId));
    for (const span of spans) if (span !== root) assert.ok(ids.has(span.parentSpanId ?? ''), `${span.name} has its parent in the export`);

    const line = logLines.find((l) => l.msg === 'request finished');
    assert.ok(line);
    assert.equal(line.trace_id, REMOTE_TRACE_ID);
    assert.equal(line.span_id, out.spanId);
    assert.equal(line.route, '/predict');

    const text = await metrics.registry.metrics();
    assert.match(text, /stagescope_http_requests_total\{route="\/predict",method="GET",status="200"\} 1/);
    assert.match(text, /stagescope_stage_duration_seconds_count\{preset="test",stage="detection",target="fake-cjs-lib#Engine.prototype.run"\} 1/);
  });

  it('a request without (or with a broken) traceparent starts its own trace and says so in the response', async () => {
    const reply = await request(port, '/predict', { headers: { traceparent: 'broken' } });
    const out = extractTraceparent(reply.headers.traceparent as string);
    assert.ok(out);
    assert.notEqual(out.traceId, REMOTE_TRACE_ID);
    await waitForRequests(scope.store, 2);
    await otlp.flush();
    const spans = receiver.requests.flatMap((req) =>
      (JSON.parse(req.body.toString('utf8')) as { resourceSpans: { scopeSpans: { spans: JsonSpan[] }[] }[] }).resourceSpans.flatMap((rs) =>
        rs.scopeSpans.flatMap((ss) => ss.spans),
      ),
    );
    const root = spans.find((span) => span.spanId === out.spanId);
    assert.ok(root);
    assert.equal(root.traceId, out.traceId);
    assert.equal(root.parentSpanId ?? '', '', 'a local root has no parent');
  });
});
