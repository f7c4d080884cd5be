import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { SpanExportPipeline, toOtelSpanId, type ExportSpan } from '../src/export/index.js';
import { W3CTraceContextPropagator, type FinishedRequest } from '../src/index.js';
import type { Preset } from '../src/presets/preset.js';
import { ServeScope } from '../src/serve/serve-scope.js';
import { close, fakePreset, listen, request, waitForRequests, type FakeLib } from './serve-fixtures.js';

/**
 * Two services in one process, on one traced server: /gateway calls /ocr once
 * with fetch (undici) and once with http.get, like a gateway in front of an
 * OCR service. Each /ocr request must join the gateway's trace under the
 * client span that called it.
 */
let preset: Preset;
let lib: FakeLib;
let scope: ServeScope;
let server: http.Server;
let port = 0;
const finished: FinishedRequest[] = [];
const exported: ExportSpan[] = [];
let pipeline: SpanExportPipeline;

before(async () => {
  ({ preset, lib } = fakePreset());
  scope = new ServeScope(preset, { propagator: new W3CTraceContextPropagator(), maxOverheadPct: Infinity });
  scope.store.onRequestFinished((req) => finished.push(req));
  pipeline = new SpanExportPipeline('test', async (spans) => {
    exported.push(...spans);
  });
  pipeline.subscribe(scope.store);
  server = http.createServer(
    scope.http((req, res) => {
      void (async () => {
        if (req.url?.startsWith('/ocr')) {
          await lib.asyncWork(1, 'text');
          res.setHeader('content-length', 2);
          res.end('ok');
        } else if (req.url === '/gateway') {
          const viaFetch = await fetch(`http://127.0.0.1:${port}/ocr/fetch?token=secret`);
          const fetched = await viaFetch.text();
          const viaHttp = await new Promise<string>((resolve, reject) => {
            http
              .get({ host: '127.0.0.1', port, path: '/ocr/http' }, (response) => {
                let body = '';
                response.setEncoding('utf8');
                response.on('data', (chunk: string) => (body += chunk));
                response.on('end', () => resolve(body));
              })
              .on('error', reject);
          });
          res.end(`${fetched}+${viaHttp}`);
        } else if (req.url === '/cors') {
          res.setHeader('Access-Control-Expose-Headers', 'X-Custom, X-Request-Id');
          res.end('cors');
        } else {
          res.end(JSON.stringify({ traceparent: req.headers.traceparent ?? null }));
        }
      })();
    }),
  );
  port = await listen(server);
});

after(async () => {
  scope.close();
  await pipeline.shutdown();
  await close(server);
});

const byPath = (path: string, traceId: string): FinishedRequest | undefined => finished.find((r) => r.path === path && r.traceId === traceId);

describe('W3C trace context across services', () => {
  it('outgoing fetch and http.get inside a request get client spans and carry the trace on', async () => {
    const reply = await request(port, '/gateway');
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'ok+ok', 'the app sees the same responses');
    await waitForRequests(scope.store, 3);
    const gateway = finished.find((r) => r.path === '/gateway')!;
    const clients = gateway.spans.filter((span) => span.attributes['http.request.method'] === 'GET' && span.attributes['server.address'] !== undefined);
    assert.deepEqual(
      clients.map((span) => [span.name, span.target, span.attributes['url.path']]),
      [
        ['GET', 'undici#request', '/ocr/fetch'],
        ['GET', 'node:http#request', '/ocr/http'],
      ],
    );
    for (const client of clients) {
      assert.equal(client.parentId, gateway.rootSpanId, 'a client span is a child of the span that made the call');
      assert.equal(client.attributes['server.address'], '127.0.0.1');
      assert.equal(client.attributes['server.port'], port);
      assert.equal(client.attributes['http.response.status_code'], 200);
      assert.equal(client.attributes['http.response.body.size'], 2);
      assert.equal(client.status, 'ok');
    }
    for (const [path, client] of [
      ['/ocr/fetch', clients[0]!],
      ['/ocr/http', clients[1]!],
    ] as const) {
      const downstream = byPath(path, gateway.traceId);
      assert.ok(downstream !== undefined, `${path} joined the gateway's trace`);
      assert.equal(downstream.parentSpanContext?.spanId, toOtelSpanId(gateway.traceId, client.id), `${path}'s remote parent is the client span`);
      assert.notEqual(downstream.sampled, false);
      assert.ok(
        downstream.spans.some((span) => span.name === 'asyncWork'),
        'the downstream request has its own tree',
      );
    }
    // the page's and browsers' view: exposed headers
    assert.deepEqual(String(reply.headers['access-control-expose-headers']).split(', '), ['x-request-id', 'x-latency', 'traceparent']);
    await pipeline.flush();
    assert.ok(
      exported.some((span) => span.traceId === gateway.traceId && span.name === 'GET'),
      'sampled traces are exported, client spans included',
    );
  });

  it('an incoming traceparent with flags 00 is measured but not exported, and stays 00 downstream', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const before = finished.length;
    const reply = await request(port, '/gateway', { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-00` } });
    assert.equal(reply.status, 200);
    assert.match(String(reply.headers.traceparent), new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`), 'the response keeps flags 00');
    await waitForRequests(scope.store, before + 3);
    const mine = finished.filter((r) => r.traceId === traceId);
    assert.deepEqual(mine.map((r) => [r.path, r.sampled]).sort(), [
      ['/gateway', false],
      ['/ocr/fetch', false],
      ['/ocr/http', false],
    ]);
    const gateway = mine.find((r) => r.path === '/gateway')!;
    assert.equal(gateway.spans[0]?.attributes['trace.sampled'], false);
    assert.ok(
      gateway.spans.some((span) => span.name === 'GET'),
      'still measured locally',
    );
    await pipeline.flush();
    assert.equal(exported.filter((span) => span.traceId === traceId).length, 0, 'nothing of the unsampled trace is exported');
  });

  it("access-control-expose-headers: merged with the app's own value, never duplicated", async () => {
    const reply = await request(port, '/cors');
    assert.equal(reply.headers['access-control-expose-headers'], 'X-Custom, X-Request-Id, x-latency, traceparent');
  });

  it('calls outside any span are left alone (no client span, no header)', async () => {
    const reply = JSON.parse(await (await fetch(`http://127.0.0.1:${port}/echo`)).text()) as { traceparent: string | null };
    const viaHttp = JSON.parse((await request(port, '/echo')).body) as { traceparent: string | null };
    assert.deepEqual([reply.traceparent, viaHttp.traceparent], [null, null]);
  });

  it('an app that sets its own traceparent keeps it', async () => {
    const own = '00-11111111111111111111111111111111-2222222222222222-01';
    const echoed = await preset.tracer.trace('job', async () => {
      const viaFetch = await fetch(`http://127.0.0.1:${port}/echo`, { headers: { traceparent: own } });
      const viaHttp = await request(port, '/echo', { headers: { traceparent: own } });
      return [JSON.parse(await viaFetch.text()).traceparent, JSON.parse(viaHttp.body).traceparent] as string[];
    });
    assert.deepEqual(echoed, [own, own]);
  });
});
