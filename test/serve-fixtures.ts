// Shared by the serve*.test.ts files: a preset over the fake fixture library,
// a load generator and helpers to read request trees.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { TargetSpec } from '../src/instrument/target.js';
import { Preset } from '../src/presets/preset.js';
import type { FinishedRequest } from '../src/core/request-events.js';
import type { RequestTreeStore } from '../src/serve/store.js';
import { fixture } from './helpers.js';

export interface FakeLib {
  syncAdd(a: number, b: number): number;
  asyncWork<T>(ms: number, value: T): Promise<T>;
  Engine: { create(name: string): Promise<{ run(input: string): Promise<string> }> };
}

/** A started preset tracing test/fixtures/node_modules/fake-cjs-lib, and the library as the app loads it. */
export function fakePreset(extraTargets: TargetSpec[] = []): { preset: Preset; lib: FakeLib } {
  const preset = new Preset('test', [], {
    quiet: true,
    targets: [
      { module: 'fake-cjs-lib', export: 'syncAdd', stage: 'preprocess' },
      { module: 'fake-cjs-lib', export: 'asyncWork', stage: 'postprocess' },
      { module: 'fake-cjs-lib', export: 'Engine.create', stage: 'load' },
      { module: 'fake-cjs-lib', export: 'Engine.prototype.run', stage: 'detection' },
      ...extraTargets,
    ],
  });
  preset.start(['serve-test'], fixture('scripts'));
  const lib = createRequire(fixture('scripts/app.cjs'))('fake-cjs-lib') as FakeLib;
  return { preset, lib };
}

export function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

export function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(
  port: number,
  path: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string; agent?: http.Agent } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent: options.agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Wait until the store has seen `count` requests ('finish' may run just after the client has its reply). */
export async function waitForRequests(store: RequestTreeStore, count: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (store.total < count) {
    if (Date.now() > deadline) assert.fail(`the store saw ${store.total} requests, expected ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Every span's parent is in the same tree, every span is inside its parent, all share the trace id. */
export function assertTree(request: FinishedRequest): void {
  const byId = new Map(request.spans.map((span) => [span.id, span]));
  const root = request.spans[0]!;
  assert.equal(root.parentId, null);
  assert.equal(root.id, request.rootSpanId);
  for (const span of request.spans) {
    assert.equal(span.traceId, request.traceId, `span ${span.name} belongs to the request's trace`);
    if (span === root) continue;
    const parent = byId.get(span.parentId ?? '');
    assert.ok(parent !== undefined, `span ${span.name} has its parent in the same tree`);
    assert.ok(span.startNs >= parent.startNs - 1, `${span.name} starts inside ${parent.name}`);
    assert.ok(span.startNs + span.durationNs <= parent.startNs + parent.durationNs + 1, `${span.name} ends inside ${parent.name}`);
    assert.notEqual(span.attributes.orphaned, true);
  }
}

/** Names of the spans below `parentName`, in start order. */
export function childNames(request: FinishedRequest, parentName: string): string[] {
  const parent = request.spans.find((span) => span.name === parentName);
  if (parent === undefined) return [];
  return request.spans
    .filter((span) => span.parentId === parent.id)
    .sort((a, b) => a.startNs - b.startNs)
    .map((span) => span.name);
}
