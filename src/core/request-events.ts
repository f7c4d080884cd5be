import type { AdaptiveEvent } from './run-document.js';
import type { SpanRecord } from './types.js';

export type { AdaptiveEvent };

/**
 * One finished HTTP request as the serving integration saw it: the stable
 * interface exporters (OpenTelemetry, Zipkin, Prometheus, logs) subscribe to
 * through `RequestTreeStore.onRequestFinished(listener)`.
 *
 * Times: `startNs`/`endNs` are absolute `nowNs()` readings (convert with
 * `nsToWallMs`/`nsToEpochNs` from core/clock); span `startNs` values are relative
 * to the request's root span start, exactly as in a run document.
 */
export interface FinishedRequest {
  /** Request id (incoming `x-request-id` if it was sane, else generated). */
  id: string;
  /** 32-hex trace id shared by every span of this request. */
  traceId: string;
  /** The root span's id (its record is `spans[0]`). */
  rootSpanId: string;
  /** W3C parent span id from an incoming `traceparent`, if any (set by the exporters' propagator hook). */
  parentSpanContext?: { traceId: string; spanId: string } | undefined;
  /**
   * False when the caller's `traceparent` said "not sampled" (flags 00): the
   * request was measured locally but exporters skip it. Absent or true: sampled.
   */
  sampled?: boolean;
  method: string;
  /**
   * Route template when the framework knows it (`/users/:id` in Express and
   * Fastify), else the path without query string. Bounded in length.
   */
  route: string;
  /** Path as requested, without query string. */
  path: string;
  status: number;
  /** True when status >= 500 or the handler threw / the connection was aborted. */
  error: boolean;
  /** Absolute `nowNs()` at request start. */
  startNs: number;
  /** Absolute `nowNs()` when the response finished (or the connection closed). */
  endNs: number;
  /** endNs - startNs. */
  latencyNs: number;
  /** ISO wall clock of the request start. */
  startedAt: string;
  /**
   * Overhead of stagescope inside this request (ns): hooks and probes, and the
   * wrapper time of hooked calls (measured where they ran; hookless wrappers
   * are not timed per call); and how many calls were wrapped.
   */
  overheadNs: number;
  wrappedCalls: number;
  /** The request's spans, root first, in run-document form (times relative to the root's start). */
  spans: SpanRecord[];
  /** Adaptive decisions taken while this request ran (`atNs` relative to the request start). */
  adaptive: AdaptiveEvent[];
  /** Spans that were not kept (the per-request span bound was hit). */
  droppedSpans: number;
}

/** Called once per finished request, after it was stored. Must not throw (errors are reported, not propagated). */
export type RequestFinishedListener = (request: FinishedRequest) => void;

/** What exporters need from the serving side: subscribe to finished requests. */
export interface RequestEventSource {
  /** Subscribe; returns an unsubscribe function. Listeners run with tracing suppressed. */
  onRequestFinished(listener: RequestFinishedListener): () => void;
}

/** A remote parent read from incoming headers (W3C `traceparent`). */
export interface RemoteParent {
  /** 32 lowercase hex. Becomes this request's trace id, so the trace joins the caller's. */
  traceId: string;
  /** 16 lowercase hex: the caller's span, parent of this request's root span. */
  spanId: string;
  sampled?: boolean;
}

/**
 * Trace-context propagation for the middleware (the exporters provide a W3C
 * implementation). `extract` runs before the request's root span starts;
 * `inject` returns headers naming a span of this trace (e.g. `traceparent`):
 * response headers naming the request's root span, and the headers of each
 * outgoing call naming its client span (`rootSpanId` is then that span's id);
 * `sampled` false asks to keep the caller's "not sampled" flag. Both must be cheap and must not throw (a throw is reported
 * and ignored).
 */
export interface TraceContextPropagator {
  extract(headers: Readonly<Record<string, string | string[] | undefined>>): RemoteParent | undefined;
  inject(request: { traceId: string; rootSpanId: string; sampled?: boolean }): Record<string, string> | undefined;
}
