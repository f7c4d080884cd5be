import assert from 'node:assert/strict';
import http from 'node:http';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { Preset } from '../src/presets/preset.js';
import { hostName, isLoopbackAddress } from '../src/serve/page/guard.js';
import { ServeScope } from '../src/serve/serve-scope.js';
import { fixture } from './helpers.js';
import { close, listen, request, waitForRequests, type FakeLib } from './serve-fixtures.js';

const TOKEN = 'test-token-0123456789abcdef';
const warnings: Error[] = [];
process.on('warning', (warning) => warnings.push(warning));

let preset: Preset;
let lib: FakeLib;
const servers: http.Server[] = [];
const scopes: ServeScope[] = [];

/** A server for `scope` whose handler does traced work. */
async function serveWith(scope: ServeScope): Promise<number> {
  const engine = await lib.Engine.create('det');
  const server = http.createServer(
    scope.http(async (req, res) => {
      lib.syncAdd(1, 2);
      res.end(await engine.run(req.url ?? ''));
    }),
  );
  servers.push(server);
  scopes.push(scope);
  return listen(server);
}

before(() => {
  preset = new Preset('test', [], {
    quiet: true,
    maxSpans: 8,
    maxOverheadPct: Infinity,
    targets: [
      { module: 'fake-cjs-lib', export: 'syncAdd', stage: 'preprocess' },
      { module: 'fake-cjs-lib', export: 'Engine.create', stage: 'load' },
      { module: 'fake-cjs-lib', export: 'Engine.prototype.run', stage: 'detection' },
    ],
  });
  preset.start(['serve-test'], fixture('scripts'));
  lib = createRequire(fixture('scripts/app.cjs'))('fake-cjs-lib') as FakeLib;
});

after(async () => {
  for (const server of servers) await close(server);
  for (const scope of scopes) scope.close();
});

describe('serving: bounds, page access, request ids', () => {
  it("requests never evict the process run's start-up spans (separate bounds)", async () => {
    await lib.Engine.create('model-at-start-up'); // the run's load span, in the 8-span ring buffer
    const scope = new ServeScope(preset);
    const port = await serveWith(scope);
    await Promise.all(Array.from({ length: 40 }, (_, i) => request(port, `/predict/${i}`)));
    await waitForRequests(scope.store, 40);
    assert.deepEqual(
      scope.store
        .recent(1)[0]!
        .spans.map((span) => span.name)
        .slice(1),
      ['syncAdd', 'Engine.run'],
      'request trees keep their spans',
    );
    const doc = preset.finish(0);
    assert.equal(doc.droppedSpans, 0, 'no run span dropped for requests');
    // serveWith's own Engine.create ran outside any request, so it belongs to the run too.
    assert.deepEqual(
      doc.spans.map((span) => span.name),
      ['run', 'Engine.create', 'Engine.create'],
    );
  });

  it('a page without token answers loopback clients with a loopback Host only, and warns once', async () => {
    const portA = await serveWith(new ServeScope(preset, { page: true }));
    await serveWith(new ServeScope(preset, { page: { allowedHosts: ['box.lan'] } }));
    const ok = await request(portA, '/stagescope/api/targets', { headers: { host: `localhost:${portA}` } });
    assert.equal(ok.status, 200, ok.body);
    const rebound = await request(portA, '/stagescope/api/targets', { headers: { host: `attacker.example:${portA}` } });
    assert.equal(rebound.status, 403);
    assert.match(rebound.body, /DNS rebinding/);
    const toggle = await request(portA, '/stagescope/tracing?enabled=0', { method: 'POST', headers: { host: 'attacker.example' } });
    assert.equal(toggle.status, 403, 'no switching tracing from a rebound name');
    assert.equal(warnings.filter((w) => (w as { code?: string }).code === 'STAGESCOPE_PAGE_NO_TOKEN').length, 1, 'one warning per process');
    assert.equal(isLoopbackAddress('127.0.0.1'), true);
    assert.equal(isLoopbackAddress('::ffff:127.0.0.2'), true);
    assert.equal(isLoopbackAddress('::1'), true);
    assert.equal(isLoopbackAddress('10.0.0.5'), false);
    assert.equal(isLoopbackAddress('::ffff:192.168.1.2'), false);
    assert.equal(hostName('LocalHost:8080'), 'localhost');
    assert.equal(hostName('[::1]:80'), '[::1]');
    assert.equal(hostName('evil.example:80:90'), undefined);
    assert.throws(() => new ServeScope(preset, { page: { allowedHosts: ['box.lan:8080'] } }), /page\.allowedHosts must be a list of host names without port/);
  });

  it('a login body over 4 KiB gets 413, not a reset connection', async () => {
    const port = await serveWith(new ServeScope(preset, { page: { token: TOKEN } }));
    const big = await request(port, '/stagescope/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${'x'.repeat(5000)}`,
    });
    assert.equal(big.status, 413);
    const small = await request(port, '/stagescope/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${TOKEN}`,
    });
    assert.equal(small.status, 303, 'a normal login still works');
  });

  it('a repeated x-request-id keeps the first value', async () => {
    const scope = new ServeScope(preset);
    const port = await serveWith(scope);
    const reply = await request(port, '/id', { headers: { 'x-request-id': ['first-id', 'second-id'] } });
    assert.equal(reply.headers['x-request-id'], 'first-id');
    const hostile = await request(port, '/id', { headers: { 'x-request-id': ['bad id with spaces', 'ok-id'] } });
    assert.notEqual(hostile.headers['x-request-id'], 'ok-id', 'the first value decides; an insane first value is replaced');
  });
});
