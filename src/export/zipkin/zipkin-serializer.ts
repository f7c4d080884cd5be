import { exportSpanDurationNs, type ExportSpan } from '../export-span.js';
import { STAGESCOPE_ATTRIBUTES } from '../otel/span-converter.js';

/** A span in the Zipkin v2 model (`POST /api/v2/spans`, zipkin2 `Span`). */
export interface ZipkinSpan {
  /** 32 lowercase hex (128-bit) trace id. */
  traceId: string;
  /** 16 lowercase hex. */
  id: string;
  /** 16 lowercase hex; absent on a root span. */
  parentId?: string;
  name: string;
  /** Absent for an in-process span (Zipkin's "local" span). */
  kind?: 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  /** Epoch microseconds (integer). */
  timestamp: number;
  /** Microseconds (integer, at least 1: Zipkin treats 0 as "unknown"). */
  duration: number;
  localEndpoint: { serviceName: string };
  /** Zipkin tags are strings only. */
  tags: Record<string, string>;
  annotations?: { timestamp: number; value: string }[];
}

export interface ZipkinSerializerOptions {
  /** `localEndpoint.serviceName`. Zipkin lowercases it; we do too so the UI and the payload agree. */
  serviceName: string;
}

/**
 * stagescope spans as Zipkin v2 spans. Pure. Times are rounded from ns to the
 * integer microseconds Zipkin stores; a failed span gets the `error` tag (Zipkin's
 * convention) and an `exception` annotation; metrics become string tags.
 */
export function toZipkinSpans(spans: readonly ExportSpan[], options: ZipkinSerializerOptions): ZipkinSpan[] {
  const serviceName = options.serviceName.toLowerCase();
  return spans.map((span) => {
    const tags: Record<string, string> = {};
    for (const [key, value] of Object.entries(span.attributes)) tags[key] = String(value);
    tags[STAGESCOPE_ATTRIBUTES.spanId] = span.stagescopeId;
    if (span.stage !== null) tags[STAGESCOPE_ATTRIBUTES.stage] = span.stage;
    if (span.target !== null) tags[STAGESCOPE_ATTRIBUTES.target] = span.target;
    if (span.status === 'unfinished') tags[STAGESCOPE_ATTRIBUTES.unfinished] = 'true';
    for (const [key, value] of Object.entries(span.metrics)) tags[STAGESCOPE_ATTRIBUTES.metricPrefix + key] = String(value);
    const timestampUs = Number(span.startEpochNs / 1000n);
    const zipkin: ZipkinSpan = {
      traceId: span.traceId,
      id: span.spanId,
      // Undefined on a root: JSON.stringify leaves the field out, as Zipkin wants.
      parentId: span.parentSpanId ?? undefined,
      name: span.name,
      timestamp: timestampUs,
      duration: Math.max(1, Math.round(exportSpanDurationNs(span) / 1000)),
      localEndpoint: { serviceName },
      tags,
    };
    const isLocalRoot = span.parentSpanId === null || span.parentIsRemote;
    if (isLocalRoot && ('http.request.method' in span.attributes || 'http.method' in span.attributes)) zipkin.kind = 'SERVER';
    else if (!isLocalRoot && 'http.request.method' in span.attributes && 'server.address' in span.attributes) zipkin.kind = 'CLIENT';
    if (span.status === 'error') {
      tags.error = span.error?.message ?? 'error';
      zipkin.annotations = [{ timestamp: Number(span.endEpochNs / 1000n), value: `exception: ${span.error?.name ?? 'Error'}` }];
    }
    return zipkin;
  });
}

/** The JSON body Zipkin's `POST /api/v2/spans` takes. */
export function serializeZipkinSpans(spans: readonly ExportSpan[], options: ZipkinSerializerOptions): string {
  return JSON.stringify(toZipkinSpans(spans, options));
}
