import { currentSpan } from '../core/context.js';
import { guarded } from '../core/guarded.js';
import type { Span } from '../core/span.js';
import type { Tracer } from '../core/tracer.js';
import type { TraceContextPropagator } from '../core/request-events.js';
import { isSampled } from '../core/trace-sampling.js';

/** What outgoing-call tracing needs: set by `installOutgoingPropagation`, one at a time (the last scope wins). */
export interface OutgoingConfig {
  tracer: Tracer;
  propagator: TraceContextPropagator;
}

let active: OutgoingConfig | null = null;

export function activeOutgoing(): OutgoingConfig | null {
  return active;
}

export function setActiveOutgoing(config: OutgoingConfig | null): void {
  active = config;
}

/** Where an outgoing call goes, for its span's attributes. */
export interface OutgoingTarget {
  method: string;
  host: string;
  port: number | undefined;
  /** Path without the query string (queries carry ids and secrets). */
  path: string;
  /** `node:http#request`, `undici#fetch`. */
  target: string;
}

/**
 * A client span for an outgoing HTTP call made inside a traced span (a request
 * of the serving middleware, a model call, a manual span), named by the method
 * as OpenTelemetry's HTTP conventions name client spans, plus the headers to send
 * (`traceparent` naming this client span, the trace's sampled flag). Undefined
 * outside any span or while tracing is suppressed (exporters sending batches).
 */
export function startClientSpan(config: OutgoingConfig, call: OutgoingTarget): { span: Span; headers: Record<string, string> } | undefined {
  const parent = currentSpan();
  if (parent === null) return undefined;
  return guarded(
    'SS_OUTGOING_FAILED',
    () => `could not start a client span for an outgoing ${call.method} call`,
    () => {
      const method = call.method.toUpperCase();
      const span = config.tracer.startSpan(method, { parent, target: call.target });
      span.setAttribute('http.request.method', method);
      span.setAttribute('server.address', call.host);
      if (call.port !== undefined) span.setAttribute('server.port', call.port);
      span.setAttribute('url.path', call.path);
      const sampled = isSampled(span.trace);
      if (!sampled) span.setAttribute('trace.sampled', false);
      const headers = config.propagator.inject({ traceId: span.trace.id, rootSpanId: span.id, sampled }) ?? {};
      return { span, headers };
    },
  );
}

/** End a client span with the response status and size (content-length when the server sent one). */
export function endClientSpan(config: OutgoingConfig, span: Span, status: number | undefined, bodyBytes: number | undefined, error?: unknown): void {
  guarded('SS_OUTGOING_FAILED', 'could not end a client span', () => {
    if (status !== undefined) span.setAttribute('http.response.status_code', status);
    if (bodyBytes !== undefined && Number.isFinite(bodyBytes)) span.setAttribute('http.response.body.size', bodyBytes);
    const failed = error !== undefined || status === undefined || status >= 500;
    const failure =
      error ??
      (status === undefined
        ? Object.assign(new Error('no response'), { name: 'NoResponse' })
        : status >= 500
          ? Object.assign(new Error(`HTTP ${status}`), { name: 'HttpError' })
          : undefined);
    config.tracer.endSpan(span, undefined, failure, failed);
  });
}

/** `content-length` as a number, if it is one. */
export function contentLength(value: unknown): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== 'string' && typeof text !== 'number') return undefined;
  const bytes = Number(text);
  return Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : undefined;
}
