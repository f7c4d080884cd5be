import { createHash, randomBytes } from 'node:crypto';

/**
 * Salt mixed into every derived span id of this process. Why: stagescope span ids
 * are per-process counters ("1", "2", ...), so two stagescope processes in one
 * distributed trace (service A calls service B, both traced) would otherwise
 * derive the same 64-bit id for their span "7". Within a process the derivation
 * stays deterministic, so a parent's id computed from a child equals the id the
 * parent itself is exported with, whatever batch each lands in.
 */
export const PROCESS_SPAN_ID_SALT: string = randomBytes(8).toString('hex');

const ZERO_SPAN_ID = '0000000000000000';

/**
 * The 16-hex-char (64-bit) OpenTelemetry/W3C span id of a stagescope span,
 * derived from its trace id and stagescope id.
 *
 * @param traceId the span's 32-hex trace id (`Trace.id`, `SpanRecord.traceId`)
 * @param stagescopeSpanId the span's stagescope id (`Span.id`, `SpanRecord.id`)
 * @param salt default {@link PROCESS_SPAN_ID_SALT}; pass a fixed string for ids
 *   that are reproducible across processes (e.g. re-exporting a saved run).
 * @example
 * formatTraceparent(trace.id, toOtelSpanId(trace.id, rootSpan.id))
 */
export function toOtelSpanId(traceId: string, stagescopeSpanId: string, salt: string = PROCESS_SPAN_ID_SALT): string {
  const hex = createHash('sha256').update(salt).update(traceId).update(':').update(stagescopeSpanId).digest('hex').slice(0, 16);
  // An all-zero span id is invalid in W3C trace context and OTLP.
  return hex === ZERO_SPAN_ID ? '0000000000000001' : hex;
}

const TRACE_ID_RE = /^(?!0{32})[0-9a-f]{32}$/;
const SPAN_ID_RE = /^(?!0{16})[0-9a-f]{16}$/;

/** True for a valid W3C trace id: 32 lowercase hex chars, not all zeros. */
export function isValidTraceId(value: string): boolean {
  return TRACE_ID_RE.test(value);
}

/** True for a valid W3C span (parent) id: 16 lowercase hex chars, not all zeros. */
export function isValidSpanId(value: string): boolean {
  return SPAN_ID_RE.test(value);
}
