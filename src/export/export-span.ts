import { nsToEpochNs } from '../core/clock.js';
import type { RunDocument } from '../core/run-document.js';
import type { Span } from '../core/span.js';
import type { Attributes, Metrics, SpanError, SpanRecord, SpanStatus, Stage } from '../core/types.js';
import type { FinishedRequest } from '../core/request-events.js';
import { PROCESS_SPAN_ID_SALT, toOtelSpanId } from './span-ids.js';

/**
 * One finished span in the form every exporter serializes (OTLP, Zipkin, logs):
 * W3C ids and absolute epoch nanoseconds. Built from a live span, a run document
 * or a finished request, so each serializer is written once.
 */
export interface ExportSpan {
  /** 32 lowercase hex. */
  traceId: string;
  /** 16 lowercase hex, derived from the stagescope id (`toOtelSpanId`). */
  spanId: string;
  /** 16 lowercase hex, or null for a root span without a remote parent. */
  parentSpanId: string | null;
  /** True when `parentSpanId` names a span in another process (incoming `traceparent`). */
  parentIsRemote: boolean;
  /** The stagescope span id (kept as an attribute so a backend can link back to the run document). */
  stagescopeId: string;
  name: string;
  stage: Stage | null;
  target: string | null;
  /** Wall-clock nanoseconds since the Unix epoch (ns-exact relative to each other). */
  startEpochNs: bigint;
  endEpochNs: bigint;
  status: SpanStatus;
  error: SpanError | null;
  metrics: Metrics;
  attributes: Attributes;
}

/** Options shared by the conversions. */
export interface ExportSpanOptions {
  /** Salt for derived span ids; default the process salt (see `PROCESS_SPAN_ID_SALT`). */
  spanIdSalt?: string;
}

/**
 * A live span (from `Tracer.onSpanEnd`). A span still open is exported with the
 * time it had so far and status `unfinished`.
 */
export function exportSpanFromLive(span: Span, options: ExportSpanOptions = {}, atNs?: number): ExportSpan {
  const salt = options.spanIdSalt ?? PROCESS_SPAN_ID_SALT;
  const traceId = span.trace.id;
  const endNs = span.endNs >= 0 ? span.endNs : (atNs ?? span.startNs);
  const remote = span.parent === null ? span.trace.remoteParentId : null;
  return {
    traceId,
    spanId: toOtelSpanId(traceId, span.id, salt),
    parentSpanId: span.parent !== null ? toOtelSpanId(traceId, span.parent.id, salt) : remote,
    parentIsRemote: remote !== null,
    stagescopeId: span.id,
    name: span.name,
    stage: span.stage,
    target: span.target,
    startEpochNs: nsToEpochNs(span.startNs),
    endEpochNs: nsToEpochNs(Math.max(span.startNs, endNs)),
    status: span.endNs >= 0 ? span.status : 'unfinished',
    error: span.error,
    metrics: span.metrics === null ? {} : { ...span.metrics },
    attributes: span.attributes === null ? {} : { ...span.attributes },
  };
}

/**
 * Span records (run-document form: `startNs` relative to `baseEpochNs`).
 * `remoteParentId` becomes the parent of records whose `parentId` is null.
 */
export function exportSpansFromRecords(
  records: readonly SpanRecord[],
  baseEpochNs: bigint,
  remoteParentId: string | null = null,
  options: ExportSpanOptions = {},
): ExportSpan[] {
  const salt = options.spanIdSalt ?? PROCESS_SPAN_ID_SALT;
  return records.map((record) => {
    const start = baseEpochNs + BigInt(Math.round(record.startNs));
    return {
      traceId: record.traceId,
      spanId: toOtelSpanId(record.traceId, record.id, salt),
      parentSpanId: record.parentId !== null ? toOtelSpanId(record.traceId, record.parentId, salt) : remoteParentId,
      parentIsRemote: record.parentId === null && remoteParentId !== null,
      stagescopeId: record.id,
      name: record.name,
      stage: record.stage,
      target: record.target,
      startEpochNs: start,
      endEpochNs: start + BigInt(Math.max(0, Math.round(record.durationNs))),
      status: record.status,
      error: record.error,
      metrics: record.metrics,
      attributes: record.attributes,
    };
  });
}

/**
 * Every span of a saved run. The absolute anchor is `startedAt` (millisecond
 * ISO time, all the document keeps); times relative to it stay ns-exact.
 */
export function exportSpansFromRun(doc: RunDocument, options: ExportSpanOptions = {}): ExportSpan[] {
  const startedMs = Date.parse(doc.startedAt);
  const base = Number.isFinite(startedMs) ? BigInt(startedMs) * 1_000_000n : 0n;
  return exportSpansFromRecords(doc.spans, base, null, options);
}

/** Every span of a finished HTTP request (anchored on the request's ns start). */
export function exportSpansFromRequest(request: FinishedRequest, options: ExportSpanOptions = {}): ExportSpan[] {
  return exportSpansFromRecords(request.spans, nsToEpochNs(request.startNs), request.parentSpanContext?.spanId ?? null, options);
}

/** Nanoseconds between start and end (a number: spans are far shorter than 2^53 ns). */
export function exportSpanDurationNs(span: ExportSpan): number {
  return Number(span.endEpochNs - span.startEpochNs);
}
