import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createRequire } from 'node:module';
import Fastify from 'fastify';
import type { Preset } from '../src/presets/preset.js';
import { ServeScope } from '../src/serve/serve-scope.js';
import { assertTree, childNames, close, fakePreset, listen, request, waitForRequests, type FakeLib } from './serve-fixtures.js';

// express ships no types and @types/express is not installed: type the little we use.
type Handler = (req: { body: unknown }, res: { json(value: unknown): void }) => unknown;
interface ExpressApp {
  (req: http.IncomingMessage, res: http.ServerResponse): void;
  use(middleware: unknown): void;
  post(path: string, handler: Handler): void;
}
const express = createRequire(import.meta.url)('express') as (() => ExpressApp) & { json(): unknown };

const CONCURRENT = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LATENCY = /^\d+\.\d{3}ms$/;

// The overhead budget would (rightly) sample syncAdd after 1024 calls; these tests count every span.
const NO_BUDGET = { maxOverheadPct: Infinity };

let preset: Preset;
let lib: FakeLib;
let engine: { run(input: string): Promise<string> };

before(async () => {
  ({ preset, lib } = fakePreset());
  engine = await lib.Engine.create('det');
});

/** The app's work for item n: a sync call, then a manual span around two async library calls. */
async function work(n: string): Promise<string> {
  lib.syncAdd(1, 2);
  return preset.tracer.trace(`work ${n}`, async () => {
    const out = await engine.run(n);
    await lib.asyncWork(1, n);
    return out;
  });
}

/** Fire CONCURRENT requests at once and check every reply, tree and header. */
async function hammer(port: number, scope: ServeScope, routeTemplate: boolean): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENT });
  const sent = Array.from({ length: CONCURRENT }, (_, i) => {
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json' };
    if (i % 3 === 0) headers['x-request-id'] = `req-${i}`;
    if (i % 3 === 1) headers['x-request-id'] = `<script>${'x'.repeat(i)}`; // not sane: replaced
    return request(port, `/items/${i}?q=1`, { method: 'POST', headers, body: JSON.stringify({ n: String(i) }), agent });
  });
  const replies = await Promise.all(sent);
  agent.destroy();
  await waitForRequests(scope.store, CONCURRENT);
  const traceIds = new Set<string>();
  replies.forEach((reply, i) => {
    assert.equal(reply.status, 200, reply.body);
    assert.deepEqual(JSON.parse(reply.body), { n: String(i), out: `det:${i}` });
    const id = reply.headers['x-request-id'];
    assert.equal(typeof id, 'string');
    if (i % 3 === 0) assert.equal(id, `req-${i}`, 'a sane incoming request id is echoed');
    else assert.match(id as string, UUID, 'a missing or hostile request id is replaced by a generated one');
    assert.match(String(reply.headers['x-latency']), LATENCY);
    assert.equal(reply.headers['access-control-expose-headers'], 'x-request-id, x-latency', 'a browser on another origin may read both');
    const tree = scope.store.get(id as string);
    assert.ok(tree !== undefined, `request ${i} is in the store`);
    assertTree(tree);
    traceIds.add(tree.traceId);
    const route = routeTemplate ? '/items/:n' : `/items/${i}`;
    assert.equal(tree.route, route);
    assert.equal(tree.path, `/items/${i}`);
    assert.equal(tree.status, 200);
    const rootName = `POST ${route}`;
    assert.equal(tree.spans[0]!.name, rootName);
    assert.deepEqual(childNames(tree, rootName), ['syncAdd', `work ${i}`], `request ${i}: its own spans under its root`);
    assert.deepEqual(childNames(tree, `work ${i}`), ['Engine.run', 'asyncWork']);
    assert.equal(tree.spans.length, 5);
  });
  assert.equal(traceIds.size, CONCURRENT, '500 separate trees');
  const [route] = scope.store.routes();
  assert.equal(route?.count, CONCURRENT);
  assert.deepEqual(route?.stages.map((s) => s.stage).sort(), ['detection', 'postprocess', 'preprocess', 'request']);
}

describe('500 concurrent requests through each adapter make 500 separate, correct trees', () => {
  after(() => preset.finish(0));

  it('node:http (scope.http(listener)), reading the body from stream events', async () => {
    // plain node:http has no router: name the route for the aggregates (else the path is the route)
    const scope = new ServeScope(preset, { ...NO_BUDGET, routeOf: (req) => (req.url?.startsWith('/items/') ? '/items/:n' : undefined) });
    const server = http.createServer(
      scope.http((req, res) => {
        let body = '';
        req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        req.on('end', () => {
          const { n } = JSON.parse(body) as { n: string };
          work(n).then((out) => res.end(JSON.stringify({ n, out })));
        });
      }),
    );
    const port = await listen(server);
    try {
      await hammer(port, scope, true);
    } finally {
      await close(server);
      scope.close();
    }
  });

  it('bound listeners stay removable, and untraced requests are left alone', async () => {
    const scope = new ServeScope(preset, NO_BUDGET);
    const seen: Record<string, unknown> = {};
    const listener = (): void => undefined;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      req.on('data', listener);
      req.once('end', listener);
      req.removeListener('data', listener);
      req.off('end', listener);
      seen[req.url ?? ''] = { data: req.listenerCount('data'), end: req.listenerCount('end') };
      req.resume();
      req.on('end', () => res.end('ok'));
    };
    const traced = http.createServer(scope.http(handler));
    const plain = http.createServer(handler);
    const [tracedPort, plainPort] = [await listen(traced), await listen(plain)];
    try {
      assert.equal((await request(tracedPort, '/traced', { method: 'POST', body: 'x' })).body, 'ok');
      assert.equal((await request(plainPort, '/plain', { method: 'POST', body: 'x' })).body, 'ok');
      assert.deepEqual(seen, { '/traced': { data: 0, end: 0 }, '/plain': { data: 0, end: 0 } });
      await waitForRequests(scope.store, 1);
      assert.equal(scope.store.total, 1, 'the plain server is not traced');
    } finally {
      await Promise.all([close(traced), close(plain)]);
      scope.close();
    }
  });

  it('Express (app.use(scope.express())) with express.json()', async () => {
    const scope = new ServeScope(preset, NO_BUDGET);
    const app = express();
    app.use(scope.express());
    app.use(express.json());
    app.post('/items/:n', async (req, res) => {
      const n = (req.body as { n: string }).n;
      res.json({ n, out: await work(n) });
    });
    const server = http.createServer(app);
    const port = await listen(server);
    try {
      await hammer(port, scope, true);
    } finally {
      await close(server);
      scope.close();
    }
  });

  it('Fastify (app.register(scope.fastify())), body parsed by Fastify', async () => {
    const scope = new ServeScope(preset, NO_BUDGET);
    const app = Fastify();
    await app.register(scope.fastify());
    app.post('/items/:n', async (req) => {
      const n = (req.body as { n: string }).n;
      return { n, out: await work(n) };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    try {
      await hammer(port, scope, true);
    } finally {
      await app.close();
      scope.close();
    }
  });
});
