import type { RemoteParent, TraceContextPropagator } from '../core/request-events.js';
import { isValidSpanId, isValidTraceId, toOtelSpanId } from './span-ids.js';

/** What a W3C `traceparent` header carries. */
export interface TraceparentContext {
  /** 32 lowercase hex. */
  traceId: string;
  /** 16 lowercase hex: the caller's span id. */
  spanId: string;
  /** The `sampled` trace flag (bit 0). */
  sampled: boolean;
  /** All trace flags as a number (0-255). */
  traceFlags: number;
}

const HEX2_RE = /^[0-9a-f]{2}$/;

/**
 * Parse a W3C trace-context `traceparent` header (version 00, and future
 * versions as the spec asks: read the first four fields, ignore the rest).
 * Returns null for anything invalid — never throws, because the header is
 * attacker-controlled input.
 *
 * @param header the raw header value; an array (the header sent twice) is
 *   invalid per the spec unless it has exactly one element.
 * @example
 * extractTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')
 * // → { traceId: '4bf9…4736', spanId: '00f0…02b7', sampled: true, traceFlags: 1 }
 */
export function extractTraceparent(header: string | readonly string[] | null | undefined): TraceparentContext | null {
  let value: string | undefined;
  if (typeof header === 'string') value = header;
  else if (Array.isArray(header) && header.length === 1 && typeof header[0] === 'string') value = header[0];
  if (value === undefined) return null;
  value = value.trim();
  // Bounded: version 00 is exactly 55 chars; later versions may append fields.
  if (value.length < 55 || value.length > 512) return null;
  const version = value.slice(0, 2);
  if (!HEX2_RE.test(version) || version === 'ff') return null;
  if (version === '00' && value.length !== 55) return null;
  if (value.length > 55 && value[55] !== '-') return null;
  if (value[2] !== '-' || value[35] !== '-' || value[52] !== '-') return null;
  const traceId = value.slice(3, 35);
  const spanId = value.slice(36, 52);
  const flags = value.slice(53, 55);
  if (!isValidTraceId(traceId) || !isValidSpanId(spanId) || !HEX2_RE.test(flags)) return null;
  const traceFlags = Number.parseInt(flags, 16);
  return { traceId, spanId, sampled: (traceFlags & 1) === 1, traceFlags };
}

/**
 * Format a version-00 `traceparent` header value.
 *
 * @param traceId 32 lowercase hex (`Trace.id`)
 * @param spanId 16 lowercase hex (an OpenTelemetry span id, see `toOtelSpanId`)
 * @param sampled the sampled flag, default true
 * @throws RangeError naming the argument when an id is not valid W3C hex.
 */
export function formatTraceparent(traceId: string, spanId: string, sampled = true): string {
  if (!isValidTraceId(traceId))
    throw new RangeError(`formatTraceparent: traceId must be 32 lowercase hex chars, not all zeros (got ${JSON.stringify(traceId)})`);
  if (!isValidSpanId(spanId)) throw new RangeError(`formatTraceparent: spanId must be 16 lowercase hex chars, not all zeros (got ${JSON.stringify(spanId)})`);
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

/**
 * The W3C trace-context propagator the serving middleware takes: `extract` reads
 * the incoming `traceparent` so the request's trace joins the caller's; `inject`
 * returns a `traceparent` response header naming this request's root span (the
 * same span id the OTLP/Zipkin exporters and the pino log lines use).
 *
 * @example
 * const tp = new W3CTraceContextPropagator();
 * const remote = tp.extract(req.headers); // → { traceId, spanId, sampled } | undefined
 * tracer.startSpan('GET /predict', { parent: null, traceId: remote?.traceId, remoteParentId: remote?.spanId });
 */
export class W3CTraceContextPropagator implements TraceContextPropagator {
  extract(headers: Readonly<Record<string, string | string[] | undefined>>): RemoteParent | undefined {
    const parsed = extractTraceparent(headers.traceparent);
    if (parsed === null) return undefined;
    return { traceId: parsed.traceId, spanId: parsed.spanId, sampled: parsed.sampled };
  }

  inject(request: { traceId: string; rootSpanId: string; sampled?: boolean }): Record<string, string> | undefined {
    if (!isValidTraceId(request.traceId)) return undefined;
    return { traceparent: formatTraceparent(request.traceId, toOtelSpanId(request.traceId, request.rootSpanId), request.sampled ?? true) };
  }
}
