import { SpanKind, SpanStatusCode, TraceFlags, type Attributes as OtelAttributes, type HrTime, type SpanContext } from '@opentelemetry/api';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { packageVersion } from '../../paths.js';
import { exportSpanDurationNs, type ExportSpan } from '../export-span.js';

/** Attribute keys stagescope adds to every exported span. */
export const STAGESCOPE_ATTRIBUTES = {
  stage: 'stagescope.stage',
  target: 'stagescope.target',
  spanId: 'stagescope.span_id',
  unfinished: 'stagescope.unfinished',
  /** Prefix of the numeric metric attributes: `stagescope.metric.heapUsedDeltaBytes`. */
  metricPrefix: 'stagescope.metric.',
} as const;

const NS_PER_S = 1_000_000_000n;

/**
 * One scope object for every span: the SDK's protobuf serializer groups spans by
 * scope object identity, so a fresh object per span would make one ScopeSpans each.
 */
const STAGESCOPE_SCOPE = Object.freeze({ name: 'stagescope', version: packageVersion });

/** Epoch nanoseconds → OpenTelemetry `HrTime` `[seconds, nanoseconds]`, exact (no ms anchoring). */
export function epochNsToHrTime(epochNs: bigint): HrTime {
  return [Number(epochNs / NS_PER_S), Number(epochNs % NS_PER_S)];
}

/** A duration in ns → `HrTime`. */
export function durationNsToHrTime(durationNs: number): HrTime {
  const ns = Math.max(0, Math.round(durationNs));
  return [Math.floor(ns / 1e9), ns % 1e9];
}

/**
 * The OpenTelemetry resource for stagescope's spans: `service.name` plus any
 * extra attributes.
 */
export function stagescopeResource(serviceName: string, attributes: OtelAttributes = {}): Resource {
  return resourceFromAttributes({ ...attributes, 'service.name': serviceName });
}

export interface SpanConverterOptions {
  /** The resource every span carries (see `stagescopeResource`). */
  resource: Resource;
}

/** HTTP server root spans (the middleware sets one of these) are kind SERVER; everything else INTERNAL. */
function spanKind(span: ExportSpan): SpanKind {
  const isLocalRoot = span.parentSpanId === null || span.parentIsRemote;
  if (isLocalRoot && ('http.request.method' in span.attributes || 'http.method' in span.attributes)) return SpanKind.SERVER;
  // Outgoing calls (src/serve/outgoing-span.ts) carry method and server address.
  if (!isLocalRoot && 'http.request.method' in span.attributes && 'server.address' in span.attributes) return SpanKind.CLIENT;
  return SpanKind.INTERNAL;
}

function spanAttributes(span: ExportSpan): OtelAttributes {
  const attributes: OtelAttributes = { ...span.attributes };
  attributes[STAGESCOPE_ATTRIBUTES.spanId] = span.stagescopeId;
  if (span.stage !== null) attributes[STAGESCOPE_ATTRIBUTES.stage] = span.stage;
  if (span.target !== null) attributes[STAGESCOPE_ATTRIBUTES.target] = span.target;
  if (span.status === 'unfinished') attributes[STAGESCOPE_ATTRIBUTES.unfinished] = true;
  for (const [key, value] of Object.entries(span.metrics)) {
    if (Number.isFinite(value)) attributes[STAGESCOPE_ATTRIBUTES.metricPrefix + key] = value;
  }
  return attributes;
}

/**
 * A stagescope span as an OpenTelemetry `ReadableSpan`, ready for any SDK
 * exporter (OTLP, Zipkin, console). Pure: no I/O, no clock reads.
 *
 * - ids: trace id as is, span/parent ids derived (`toOtelSpanId`); a remote
 *   parent (incoming `traceparent`) is the root's parent with `isRemote: true`.
 * - times: ns-exact `HrTime` from stagescope's ns clock.
 * - a failed span has status ERROR and an `exception` event (semantic conventions).
 */
export function toReadableSpan(span: ExportSpan, options: SpanConverterOptions): ReadableSpan {
  const context: SpanContext = { traceId: span.traceId, spanId: span.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: false };
  const parentSpanContext: SpanContext | undefined =
    span.parentSpanId === null
      ? undefined
      : { traceId: span.traceId, spanId: span.parentSpanId, traceFlags: TraceFlags.SAMPLED, isRemote: span.parentIsRemote };
  const endTime = epochNsToHrTime(span.endEpochNs);
  const events: TimedEvent[] = [];
  let status: ReadableSpan['status'] = { code: SpanStatusCode.UNSET };
  if (span.status === 'error') {
    const message = span.error?.message ?? 'error';
    status = { code: SpanStatusCode.ERROR, message };
    const eventAttributes: OtelAttributes = { 'exception.type': span.error?.name ?? 'Error', 'exception.message': message };
    if (span.error?.stack !== undefined) eventAttributes['exception.stacktrace'] = span.error.stack;
    events.push({ name: 'exception', time: endTime, attributes: eventAttributes, droppedAttributesCount: 0 });
  } else if (span.status === 'ok') {
    status = { code: SpanStatusCode.OK };
  }
  return {
    name: span.name,
    kind: spanKind(span),
    spanContext: () => context,
    parentSpanContext,
    startTime: epochNsToHrTime(span.startEpochNs),
    endTime,
    duration: durationNsToHrTime(exportSpanDurationNs(span)),
    status,
    attributes: spanAttributes(span),
    links: [],
    events,
    ended: true,
    resource: options.resource,
    instrumentationScope: STAGESCOPE_SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/** `toReadableSpan` over a list. */
export function toReadableSpans(spans: readonly ExportSpan[], options: SpanConverterOptions): ReadableSpan[] {
  return spans.map((span) => toReadableSpan(span, options));
}
