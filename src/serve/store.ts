import { suppressTracing } from '../core/context.js';
import { guarded } from '../core/guarded.js';
import type { SpanRecord } from '../core/types.js';
import { LatencyHistogram } from './histogram.js';
import type { FinishedRequest, RequestEventSource, RequestFinishedListener } from '../core/request-events.js';

export interface RequestStoreOptions {
  /** Recent requests kept. Default 500. */
  maxRequests?: number;
  /** Estimated bytes of the kept request trees. Default 16 MiB. */
  maxBytes?: number;
  /** Distinct `METHOD route` aggregates; later routes are counted under `(other routes)`. Default 200. */
  maxRoutes?: number;
}

/** Per-stage latency of one route, from the fixed-bucket histograms (±2.2%). */
export interface StagePercentiles {
  /** A stage name, or `request` for the whole request. */
  stage: string;
  count: number;
  p50Ns: number;
  p95Ns: number;
  p99Ns: number;
  maxNs: number;
}

export interface RouteSummary {
  method: string;
  route: string;
  count: number;
  errors: number;
  /** `request` first, then stages in pipeline order of first appearance. */
  stages: StagePercentiles[];
}

interface RouteAggregate {
  method: string;
  route: string;
  count: number;
  errors: number;
  latency: LatencyHistogram;
  stages: Map<string, LatencyHistogram>;
}

const OTHER_ROUTES = '(other routes)';

/**
 * Time a request spent in each stage: the durations of the outermost spans of
 * that stage (a `detection` span inside a `detection` span is not counted twice).
 */
export function stageTimesNs(spans: readonly SpanRecord[]): Map<string, number> {
  const byId = new Map<string, SpanRecord>();
  for (const span of spans) byId.set(span.id, span);
  const totals = new Map<string, number>();
  for (const span of spans) {
    if (span.stage === null) continue;
    let ancestor = span.parentId === null ? undefined : byId.get(span.parentId);
    let nested = false;
    while (ancestor !== undefined) {
      if (ancestor.stage === span.stage) {
        nested = true;
        break;
      }
      ancestor = ancestor.parentId === null ? undefined : byId.get(ancestor.parentId);
    }
    if (!nested) totals.set(span.stage, (totals.get(span.stage) ?? 0) + span.durationNs);
  }
  return totals;
}

/** Rough retained size of a request tree, for the bytes bound (cheaper than JSON.stringify). */
export function estimateRequestBytes(request: FinishedRequest): number {
  let bytes = 512 + 2 * (request.id.length + request.route.length + request.path.length);
  for (const span of request.spans) {
    bytes += 320 + 2 * (span.name.length + (span.target?.length ?? 0));
    for (const key in span.attributes) {
      const value = span.attributes[key];
      bytes += 48 + 2 * key.length + (typeof value === 'string' ? 2 * value.length : 8);
    }
    for (const key in span.metrics) bytes += 40 + 2 * key.length;
    if (span.error !== null) bytes += 64 + 2 * (span.error.message.length + (span.error.stack?.length ?? 0));
  }
  return bytes + request.adaptive.length * 200;
}

interface Entry {
  request: FinishedRequest;
  bytes: number;
}

/**
 * The in-process store of recent request trees: bounded by count and by
 * (estimated) bytes, oldest evicted first and counted; plus per-route
 * aggregates (count, errors, p50/p95/p99 per stage) over every request seen,
 * not only the kept ones. Exporters subscribe with `onRequestFinished`.
 */
export class RequestTreeStore implements RequestEventSource {
  readonly maxRequests: number;
  readonly maxBytes: number;
  readonly maxRoutes: number;
  #entries = new Map<number, Entry>();
  #byId = new Map<string, number>();
  #nextSeq = 1;
  #bytes = 0;
  #evicted = 0;
  #total = 0;
  #routes = new Map<string, RouteAggregate>();
  #listeners: RequestFinishedListener[] = [];

  constructor(options: RequestStoreOptions = {}) {
    this.maxRequests = positiveInteger(options.maxRequests ?? 500, 'maxRequests');
    this.maxBytes = positiveInteger(options.maxBytes ?? 16 * 1024 * 1024, 'maxBytes');
    this.maxRoutes = positiveInteger(options.maxRoutes ?? 200, 'maxRoutes');
  }

  /** Keep a finished request, update its route's aggregate, then tell the listeners. */
  add(request: FinishedRequest): void {
    this.#total++;
    const bytes = estimateRequestBytes(request);
    const seq = this.#nextSeq++;
    this.#entries.set(seq, { request, bytes });
    this.#byId.set(request.id, seq);
    this.#bytes += bytes;
    this.#evict();
    this.#aggregate(request);
    for (const listener of this.#listeners) {
      guarded('SS_REQUEST_LISTENER_FAILED', 'an onRequestFinished listener threw', () => suppressTracing(() => listener(request)));
    }
  }

  onRequestFinished(listener: RequestFinishedListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const index = this.#listeners.indexOf(listener);
      if (index >= 0) this.#listeners.splice(index, 1);
    };
  }

  /** Kept requests, newest first. */
  recent(limit = Infinity): FinishedRequest[] {
    const all = [...this.#entries.values()];
    const out: FinishedRequest[] = [];
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) out.push(all[i]!.request);
    return out;
  }

  /** The most recent kept request with this id. */
  get(id: string): FinishedRequest | undefined {
    const seq = this.#byId.get(id);
    return seq === undefined ? undefined : this.#entries.get(seq)?.request;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Estimated bytes of the kept trees. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Requests evicted to stay within maxRequests / maxBytes. */
  get evicted(): number {
    return this.#evicted;
  }

  /** Requests seen since start. */
  get total(): number {
    return this.#total;
  }

  /** Per-route aggregates, busiest first. */
  routes(): RouteSummary[] {
    const out: RouteSummary[] = [];
    for (const aggregate of this.#routes.values()) {
      const stages: StagePercentiles[] = [summarize('request', aggregate.latency)];
      for (const [stage, histogram] of aggregate.stages) stages.push(summarize(stage, histogram));
      out.push({ method: aggregate.method, route: aggregate.route, count: aggregate.count, errors: aggregate.errors, stages });
    }
    return out.sort((a, b) => b.count - a.count);
  }

  clear(): void {
    this.#entries.clear();
    this.#byId.clear();
    this.#bytes = 0;
    this.#routes.clear();
  }

  #evict(): void {
    // Keep at least the newest request even if it alone is over the bytes bound.
    while (this.#entries.size > this.maxRequests || (this.#bytes > this.maxBytes && this.#entries.size > 1)) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) return;
      const seq = oldest.value;
      const entry = this.#entries.get(seq)!;
      this.#entries.delete(seq);
      if (this.#byId.get(entry.request.id) === seq) this.#byId.delete(entry.request.id);
      this.#bytes -= entry.bytes;
      this.#evicted++;
    }
  }

  #aggregate(request: FinishedRequest): void {
    let key = `${request.method} ${request.route}`;
    let aggregate = this.#routes.get(key);
    if (aggregate === undefined) {
      if (this.#routes.size >= this.maxRoutes) {
        key = OTHER_ROUTES;
        aggregate = this.#routes.get(key);
      }
      if (aggregate === undefined) {
        aggregate = {
          method: key === OTHER_ROUTES ? '*' : request.method,
          route: key === OTHER_ROUTES ? OTHER_ROUTES : request.route,
          count: 0,
          errors: 0,
          latency: new LatencyHistogram(),
          stages: new Map(),
        };
        this.#routes.set(key, aggregate);
      }
    }
    aggregate.count++;
    if (request.error) aggregate.errors++;
    aggregate.latency.record(request.latencyNs);
    for (const [stage, durationNs] of stageTimesNs(request.spans)) {
      let histogram = aggregate.stages.get(stage);
      if (histogram === undefined) aggregate.stages.set(stage, (histogram = new LatencyHistogram()));
      histogram.record(durationNs);
    }
  }
}

function summarize(stage: string, histogram: LatencyHistogram): StagePercentiles {
  return {
    stage,
    count: histogram.count,
    p50Ns: histogram.percentileNs(0.5),
    p95Ns: histogram.percentileNs(0.95),
    p99Ns: histogram.percentileNs(0.99),
    maxNs: histogram.maxNs,
  };
}

function positiveInteger(value: number, option: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`stagescope: serve option store.${option} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
