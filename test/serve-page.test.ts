import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Preset } from '../src/presets/preset.js';
import { resolvePageOptions } from '../src/serve/options.js';
import { ServeScope } from '../src/serve/serve-scope.js';
import { tempDir } from './helpers.js';
import { launchChromium, NEEDS_CHROMIUM } from './picture-check.js';
import { close, fakePreset, listen, request, waitForRequests, type FakeLib } from './serve-fixtures.js';

const TOKEN = 'test-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const HOSTILE_ROUTE = '/<script>alert(1)</script>';
const HOSTILE_NAME = '<img src=x onerror=alert(2)>';

let preset: Preset;
let lib: FakeLib;
let scope: ServeScope;
let server: http.Server;
let port: number;

before(async () => {
  ({ preset, lib } = fakePreset());
  const engine = await lib.Engine.create('det');
  scope = new ServeScope(preset, { page: { token: TOKEN }, maxOverheadPct: Infinity });
  server = http.createServer(
    scope.http(async (req, res) => {
      if (req.url === '/missing') {
        res.statusCode = 404;
        res.end('no');
        return;
      }
      lib.syncAdd(1, 2);
      const out = await preset.tracer.trace(HOSTILE_NAME, () => engine.run(req.url ?? ''));
      await lib.asyncWork(1, 'x');
      res.setHeader('content-type', 'text/plain');
      res.end(out);
    }),
  );
  port = await listen(server);
  await request(port, '/ocr');
  await request(port, HOSTILE_ROUTE);
  await waitForRequests(scope.store, 2);
});

after(async () => {
  await close(server);
  scope.close();
  preset.finish(0);
});

describe('the stagescope page', () => {
  it('refuses without the token (401), with a wrong one (403), and serves with it', async () => {
    const none = await request(port, '/stagescope', { headers: { accept: 'text/html' } });
    assert.equal(none.status, 401);
    assert.match(String(none.headers['www-authenticate']), /^Bearer/);
    const wrong = await request(port, '/stagescope', { headers: { authorization: 'Bearer wrong-token-wrong-token' } });
    assert.equal(wrong.status, 403);
    const api = await request(port, '/stagescope/api/requests');
    assert.equal(api.status, 401);
    const ok = await request(port, '/stagescope', { headers: AUTH });
    assert.equal(ok.status, 200);
    assert.match(String(ok.headers['content-security-policy']), /default-src 'none'/);
    assert.ok(!ok.body.includes('<script'), 'no script element at all, hostile route included');
    assert.ok(ok.body.includes('/&lt;script&gt;alert(1)&lt;/script&gt;'), 'the hostile route is shown as text');
  });

  it('escapes a hostile span name in the request page and keeps the page script-free', async () => {
    const hostile = scope.store.recent().find((r) => r.path === HOSTILE_ROUTE)!;
    const page = await request(port, `/stagescope/requests/${encodeURIComponent(hostile.id)}`, { headers: AUTH });
    assert.equal(page.status, 200);
    assert.ok(page.body.includes('&lt;img src=x onerror=alert(2)&gt;'));
    assert.ok(!page.body.includes('<img src=x'), 'no markup from a span name');
    assert.match(page.body, /<img id="call-graph" alt="[^"]*" src="data:image\/svg\+xml;base64,/);
  });

  it('toggles tracing only by POST: GET on the toggle is 405; POST needs the token and the same origin', async () => {
    const get = await request(port, '/stagescope/tracing?enabled=0', { headers: AUTH });
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'POST');
    assert.equal((await request(port, '/stagescope/tracing?enabled=0', { method: 'POST' })).status, 401);
    const crossSite = await request(port, '/stagescope/tracing?enabled=0', { method: 'POST', headers: { ...AUTH, origin: 'http://evil.example' } });
    assert.equal(crossSite.status, 403);
    assert.ok(
      scope.targetStates().every((t) => t.enabled),
      'nothing was switched by refused requests',
    );

    const off = await request(port, '/stagescope/tracing?enabled=0', { method: 'POST', headers: AUTH });
    assert.equal(off.status, 200, off.body);
    assert.ok(scope.targetStates().every((t) => !t.enabled));
    const before = scope.store.total;
    const reply = await request(port, '/off');
    await waitForRequests(scope.store, before + 1);
    const offTree = scope.store.get(String(reply.headers['x-request-id']))!;
    assert.deepEqual(
      offTree.spans.map((s) => s.name),
      ['GET /off', HOSTILE_NAME],
      'library targets off; the manual span stays',
    );

    const one = await request(port, `/stagescope/tracing?enabled=1&target=${encodeURIComponent('fake-cjs-lib#syncAdd')}`, { method: 'POST', headers: AUTH });
    assert.equal(one.status, 200);
    assert.deepEqual(
      scope
        .targetStates()
        .filter((t) => t.enabled)
        .map((t) => t.id),
      ['fake-cjs-lib#syncAdd'],
    );
    const unknown = await request(port, '/stagescope/tracing?enabled=1&target=nope%23x', { method: 'POST', headers: AUTH });
    assert.equal(unknown.status, 404);
    assert.equal((await request(port, '/stagescope/tracing?enabled=1', { method: 'POST', headers: AUTH })).status, 200);
    assert.ok(scope.targetStates().every((t) => t.enabled));
  });

  it('is off in production without a token or guard; a custom guard decides when given', async () => {
    assert.equal(resolvePageOptions({}, { NODE_ENV: 'production' }).enabled, false);
    assert.match(resolvePageOptions({}, { NODE_ENV: 'production' }).disabledReason ?? '', /page\.token or page\.guard/);
    assert.equal(resolvePageOptions({ token: TOKEN }, { NODE_ENV: 'production' }).enabled, true);
    assert.equal(resolvePageOptions({ guard: () => true }, { NODE_ENV: 'production' }).enabled, true);
    assert.equal(resolvePageOptions(undefined, {}).enabled, false, 'off unless asked for');
    assert.throws(() => resolvePageOptions({ token: 'short' }, {}), /page\.token must be a string of at least 16 characters/);

    const guarded = new ServeScope(preset, { page: { path: '/_ops/scope', guard: (req) => req.headers['x-admin'] === 'yes' }, maxOverheadPct: Infinity });
    const s = http.createServer(guarded.http((_req, res) => res.end('app')));
    const p = await listen(s);
    try {
      assert.equal((await request(p, '/_ops/scope')).status, 403);
      assert.equal((await request(p, '/_ops/scope', { headers: { 'x-admin': 'yes' } })).status, 200);
      assert.equal((await request(p, '/stagescope')).body, 'app', 'the default path is the app’s when another is configured');
    } finally {
      await close(s);
      guarded.close();
    }
  });

  it('renders in headless Chromium: log in, list, click into a request, no script runs', { skip: NEEDS_CHROMIUM }, async () => {
    const browser = await launchChromium();
    const dialogs: string[] = [];
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      const base = `http://127.0.0.1:${port}/stagescope`;
      const refused = await page.goto(base);
      assert.equal(refused?.status(), 401);
      await page.goto(`${base}/login`);
      await page.fill('input[name=token]', TOKEN);
      await Promise.all([page.waitForURL(base), page.click('button[type=submit]')]);
      const recentText = await page.locator('#recent').innerText();
      assert.ok(recentText.includes(HOSTILE_ROUTE), 'the hostile route shows literally');
      const dir = tempDir('stagescope-page-');
      await page.screenshot({ path: path.join(dir, 'index.png'), fullPage: true });
      await page
        .locator('#recent a', { hasText: /./ })
        .filter({ has: page.locator('xpath=..') })
        .first();
      const hostileRow = page.locator('#recent tr', { hasText: HOSTILE_ROUTE });
      await Promise.all([page.waitForURL(/\/stagescope\/requests\//), hostileRow.locator('a').click()]);
      const tree = await page.locator('#tree').innerText();
      assert.ok(tree.includes(`GET ${HOSTILE_ROUTE}`), tree);
      assert.ok(tree.includes(HOSTILE_NAME), tree);
      assert.match(tree, /Engine\.run \[detection\]/);
      const graphWidth = await page.locator('#call-graph').evaluate((img) => (img as { naturalWidth: number }).naturalWidth);
      assert.ok(graphWidth > 0, 'the call-graph image loaded');
      await page.screenshot({ path: path.join(dir, 'request.png'), fullPage: true });
      console.log(`# screenshots: ${dir}/index.png ${dir}/request.png`);
      assert.deepEqual(dialogs, [], 'no script ran');
      assert.equal(await page.evaluate('typeof window.__pwned'), 'undefined');
    } finally {
      await browser.close();
    }
  });
});
