import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SpanRecord } from '../src/core/types.js';
import { LatencyHistogram } from '../src/serve/histogram.js';
import type { FinishedRequest } from '../src/core/request-events.js';
import { isSaneRequestId, requestIdFrom } from '../src/serve/request-id.js';
import { estimateRequestBytes, RequestTreeStore, stageTimesNs } from '../src/serve/store.js';
import { spanRecord } from './helpers.js';

function span(id: string, parentId: string | null, stage: SpanRecord['stage'], startNs: number, durationNs: number, name = `s${id}`): SpanRecord {
  return spanRecord({ id, parentId, name, stage, startNs, durationNs, selfNs: durationNs });
}

function finished(
  id: string,
  options: { route?: string; latencyNs?: number; status?: number; spans?: SpanRecord[]; nameLength?: number } = {},
): FinishedRequest {
  const latencyNs = options.latencyNs ?? 1e6;
  return {
    id,
    traceId: 't'.repeat(32),
    rootSpanId: '1',
    method: 'GET',
    route: options.route ?? '/r',
    path: options.route ?? '/r',
    status: options.status ?? 200,
    error: (options.status ?? 200) >= 500,
    startNs: 0,
    endNs: latencyNs,
    latencyNs,
    startedAt: new Date(0).toISOString(),
    overheadNs: 0,
    wrappedCalls: 0,
    spans: options.spans ?? [span('1', null, null, 0, latencyNs, 'x'.repeat(options.nameLength ?? 1))],
    adaptive: [],
    droppedSpans: 0,
  };
}

describe('the request store', () => {
  it('holds its count bound, evicting the oldest and counting evictions', () => {
    const store = new RequestTreeStore({ maxRequests: 10 });
    for (let i = 0; i < 25; i++) store.add(finished(`r${i}`));
    assert.equal(store.size, 10);
    assert.equal(store.evicted, 15);
    assert.equal(store.total, 25);
    assert.deepEqual(
      store.recent(3).map((r) => r.id),
      ['r24', 'r23', 'r22'],
    );
    assert.equal(store.get('r0'), undefined);
    assert.equal(store.get('r20')?.id, 'r20');
  });

  it('holds its bytes bound (big trees evict more) and always keeps the newest', () => {
    const oneBytes = estimateRequestBytes(finished('big00', { nameLength: 10_000 }));
    const store = new RequestTreeStore({ maxRequests: 1000, maxBytes: oneBytes * 3 + 100 });
    for (let i = 0; i < 20; i++) store.add(finished(`big${i}`, { nameLength: 10_000 }));
    assert.equal(store.size, 3);
    assert.ok(store.bytes <= store.maxBytes);
    const tiny = new RequestTreeStore({ maxBytes: 100 });
    tiny.add(finished('huge', { nameLength: 50_000 }));
    assert.equal(tiny.size, 1, 'a single request over the bound is still kept');
  });

  it('aggregates per route with a bounded number of routes; errors counted', () => {
    const store = new RequestTreeStore({ maxRoutes: 3, maxRequests: 5 });
    for (let i = 0; i < 10; i++) store.add(finished(`a${i}`, { route: `/route${i}`, status: i === 0 ? 500 : 200 }));
    const routes = store.routes();
    assert.equal(routes.length, 4, '3 routes + (other routes)');
    const other = routes.find((r) => r.route === '(other routes)');
    assert.equal(other?.count, 7);
    assert.equal(routes.find((r) => r.route === '/route0')?.errors, 1);
    assert.equal(
      routes.reduce((sum, r) => sum + r.count, 0),
      10,
      'aggregates cover every request, not only the kept ones',
    );
  });

  it('per-stage times count the outermost span of a stage once', () => {
    const spans = [
      span('1', null, null, 0, 100),
      span('2', '1', 'detection', 0, 40),
      span('3', '2', 'detection', 5, 30), // nested in the same stage: not counted again
      span('4', '2', 'preprocess', 1, 3),
      span('5', '1', 'detection', 50, 10),
      span('6', '1', 'recognition', 70, 20),
    ];
    assert.deepEqual(Object.fromEntries(stageTimesNs(spans)), { detection: 50, preprocess: 3, recognition: 20 });
  });

  it('a listener that throws does not reach the app; unsubscribe works', () => {
    const store = new RequestTreeStore();
    const seen: string[] = [];
    store.onRequestFinished(() => {
      throw new Error('exporter bug');
    });
    const off = store.onRequestFinished((r) => seen.push(r.id));
    store.add(finished('a'));
    off();
    store.add(finished('b'));
    assert.deepEqual(seen, ['a']);
  });

  it('rejects bad bounds naming the option', () => {
    assert.throws(() => new RequestTreeStore({ maxRequests: 0 }), /store\.maxRequests must be a positive integer/);
    assert.throws(() => new RequestTreeStore({ maxBytes: 1.5 }), /store\.maxBytes/);
  });
});

describe('the latency histogram', () => {
  it('reports percentiles within ±2.2% of a recorded value', () => {
    const histogram = new LatencyHistogram();
    const values: number[] = [];
    for (let i = 1; i <= 10_000; i++) values.push(i * 1_000 + (i % 7) * 13); // 1 µs .. 10 ms
    for (const value of values) histogram.record(value);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
      const got = histogram.percentileNs(q);
      assert.ok(Math.abs(got - exact) / exact <= 0.022, `p${q * 100}: ${got} vs ${exact}`);
    }
    assert.equal(histogram.count, 10_000);
    assert.equal(histogram.maxNs, Math.max(...values));
    assert.ok(Number.isNaN(new LatencyHistogram().percentileNs(0.5)));
  });
});

describe('request ids', () => {
  it('keeps sane incoming ids, replaces anything else', () => {
    assert.equal(requestIdFrom('abc-123_x.y:z'), 'abc-123_x.y:z');
    assert.equal(requestIdFrom(['first', 'second']), 'first');
    for (const bad of ['', 'has space', '<script>', 'a'.repeat(129), 'line\nbreak', 'quote"']) {
      assert.equal(isSaneRequestId(bad), false, JSON.stringify(bad));
      assert.match(requestIdFrom(bad), /^[0-9a-f-]{36}$/);
    }
  });
});
