import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import v8 from 'node:v8';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RunDocument } from '../../core/run-document.js';
import type { Span } from '../../core/span.js';
import type { Tracer } from '../../core/tracer.js';
import type { SpanRecord } from '../../core/types.js';
import type { FinishedRequest, RequestEventSource } from '../../core/request-events.js';
import { methodLabel, RouteSeriesLimiter } from './combination-limiter.js';
import { LabelValueLimiter } from './label-limiter.js';

export interface PrometheusMetricsOptions {
  /** Registry to register into (the app's own). Default a new `Registry` (serve it with `createMetricsHandler`). */
  registry?: Registry;
  /** Metric name prefix. Default `stagescope_`. */
  prefix?: string;
  /** `preset` label for spans and requests that do not name one. Default `none`. */
  preset?: string;
  /** Buckets of the per-stage latency histogram, in seconds. Default 0.5 ms … 10 s. */
  stageBucketsSeconds?: number[];
  /** Buckets of the per-route request latency histogram, in seconds. Default 1 ms … 30 s. */
  requestBucketsSeconds?: number[];
  /** Distinct values kept per label (route, target, …) before folding into `other`. Default 100. */
  maxLabelValues?: number;
  /**
   * Distinct (route, method, status) combinations of the HTTP metrics; later new
   * ones are counted under route/method/status `other`. Bounds the series in
   * combination (each label alone is bounded by `maxLabelValues`). Default 200.
   */
  maxRouteSeries?: number;
  /** Saturation gauges (event-loop delay, heap used, RSS). Default true. */
  saturation?: boolean;
}

const DEFAULT_STAGE_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const DEFAULT_REQUEST_BUCKETS_S = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** A span as these metrics need it: live (`Span`) or saved (`SpanRecord`). */
type AnySpan = Span | SpanRecord;

function spanDurationNs(span: AnySpan): number {
  if ('durationNs' in span) return span.durationNs;
  return span.endNs >= 0 ? span.endNs - span.startNs : -1;
}

/**
 * stagescope's Prometheus metrics (prom-client):
 *
 * - `stagescope_stage_duration_seconds{preset,stage,target}` — histogram of every
 *   span that has a stage or a target (what the presets wrap);
 * - golden signals per route: `stagescope_http_requests_total{route,method,status}`
 *   (traffic), `stagescope_http_request_errors_total{route,method}` (errors),
 *   `stagescope_http_request_duration_seconds{route,method}` (latency),
 *   `stagescope_event_loop_delay_seconds{stat}`, `stagescope_heap_used_bytes`,
 *   `stagescope_resident_memory_bytes` (saturation);
 * - `stagescope_label_values_folded_total{label}` — values folded into `other`
 *   by the cardinality cap (`maxLabelValues`).
 *
 * @example
 * const metrics = new PrometheusMetrics({ preset: 'onnx' });
 * metrics.subscribe(requestStore);                 // or metrics.attach(tracer)
 * app.get('/metrics', createMetricsHandler(metrics.registry));
 */
export class PrometheusMetrics {
  readonly registry: Registry;
  readonly preset: string;
  readonly limiter: LabelValueLimiter;
  readonly routeSeries: RouteSeriesLimiter;
  readonly #stageDuration: Histogram<'preset' | 'stage' | 'target'>;
  readonly #requests: Counter<'route' | 'method' | 'status'>;
  readonly #errors: Counter<'route' | 'method'>;
  readonly #requestDuration: Histogram<'route' | 'method'>;
  readonly #folded: Counter<'label'>;
  readonly #loopDelay: IntervalHistogram | null = null;

  /** @throws RangeError/Error naming the option when one is invalid, or when the metric names are already registered in `registry`. */
  constructor(options: PrometheusMetricsOptions = {}) {
    const prefix = options.prefix ?? 'stagescope_';
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix)) {
      throw new Error(`PrometheusMetrics: option prefix must match [a-zA-Z_:][a-zA-Z0-9_:]*, got ${JSON.stringify(prefix)}`);
    }
    this.registry = options.registry ?? new Registry();
    this.preset = options.preset ?? 'none';
    const registers = [this.registry];
    this.#folded = new Counter({
      name: `${prefix}label_values_folded_total`,
      help: 'Label values folded into "other" because the label reached maxLabelValues distinct values',
      labelNames: ['label'],
      registers,
    });
    this.limiter = new LabelValueLimiter(options.maxLabelValues ?? 100, (label) => this.#folded.inc({ label }));
    this.routeSeries = new RouteSeriesLimiter(options.maxRouteSeries ?? 200);
    this.#stageDuration = new Histogram({
      name: `${prefix}stage_duration_seconds`,
      help: 'Duration of traced calls per pipeline stage and target',
      labelNames: ['preset', 'stage', 'target'],
      buckets: options.stageBucketsSeconds ?? DEFAULT_STAGE_BUCKETS_S,
      registers,
    });
    this.#requests = new Counter({
      name: `${prefix}http_requests_total`,
      help: 'HTTP requests served (traffic), by route, method and status code',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.#errors = new Counter({
      name: `${prefix}http_request_errors_total`,
      help: 'HTTP requests that failed (status >= 500, a handler error or an aborted connection)',
      labelNames: ['route', 'method'],
      registers,
    });
    this.#requestDuration = new Histogram({
      name: `${prefix}http_request_duration_seconds`,
      help: 'HTTP request latency from the first byte in to the response finished',
      labelNames: ['route', 'method'],
      buckets: options.requestBucketsSeconds ?? DEFAULT_REQUEST_BUCKETS_S,
      registers,
    });
    if (options.saturation ?? true) {
      const loopDelay = monitorEventLoopDelay({ resolution: 10 });
      loopDelay.enable();
      this.#loopDelay = loopDelay;
      new Gauge({
        name: `${prefix}event_loop_delay_seconds`,
        help: 'Event-loop delay since the previous scrape (saturation): mean, p50, p99, max',
        labelNames: ['stat'],
        registers,
        collect() {
          // Delay is in ns; a window per scrape, so a spike shows up once and then clears.
          const count = loopDelay.count;
          const nsToS = (ns: number): number => (count > 0 && Number.isFinite(ns) ? ns / 1e9 : 0);
          this.set({ stat: 'mean' }, nsToS(loopDelay.mean));
          this.set({ stat: 'p50' }, nsToS(loopDelay.percentile(50)));
          this.set({ stat: 'p99' }, nsToS(loopDelay.percentile(99)));
          this.set({ stat: 'max' }, nsToS(loopDelay.max));
          loopDelay.reset();
        },
      });
      new Gauge({
        name: `${prefix}heap_used_bytes`,
        help: 'V8 heap in use (saturation: memory)',
        registers,
        collect() {
          this.set(v8.getHeapStatistics().used_heap_size);
        },
      });
      new Gauge({
        name: `${prefix}resident_memory_bytes`,
        help: 'Resident set size of the process (saturation: memory)',
        registers,
        collect() {
          this.set(process.memoryUsage.rss());
        },
      });
    }
  }

  /** Observe one finished span (ignored unless it has a stage or a target, or is unfinished). */
  observeSpan(span: AnySpan, preset: string = this.preset): void {
    if (span.stage === null && span.target === null) return;
    const durationNs = spanDurationNs(span);
    if (durationNs < 0 || span.status === 'unfinished') return;
    this.#stageDuration.observe(
      {
        preset: this.limiter.limit('preset', preset),
        stage: span.stage ?? 'none',
        target: this.limiter.limit('target', span.target ?? 'none'),
      },
      durationNs / 1e9,
    );
  }

  /** Observe every span of a saved run (`preset` label from the run). */
  observeRun(doc: RunDocument): void {
    for (const span of doc.spans) this.observeSpan(span, doc.preset ?? this.preset);
  }

  /** Observe a finished HTTP request: golden signals for its route and its spans' stage latencies. */
  observeRequest(request: FinishedRequest): void {
    const { route, method, status } = this.routeSeries.limit({
      route: this.limiter.limit('route', request.route),
      method: methodLabel(request.method),
      status: this.limiter.limit('status', String(request.status)),
    });
    this.#requests.inc({ route, method, status });
    if (request.error) this.#errors.inc({ route, method });
    this.#requestDuration.observe({ route, method }, request.latencyNs / 1e9);
    for (const span of request.spans) this.observeSpan(span);
  }

  /** Observe every span `tracer` ends from now on. Returns the unsubscribe function. */
  attach(tracer: Tracer): () => void {
    return tracer.onSpanEnd((span) => this.observeSpan(span));
  }

  /** Observe every finished request of the serving middleware. Returns the unsubscribe function. */
  subscribe(source: RequestEventSource): () => void {
    return source.onRequestFinished((request) => this.observeRequest(request));
  }

  /** Stop the event-loop monitor (the metrics stay registered). */
  close(): void {
    this.#loopDelay?.disable();
  }
}
