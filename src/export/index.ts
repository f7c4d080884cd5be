/**
 * stagescope exporters: OpenTelemetry (OTLP http/protobuf and http/json through
 * the OpenTelemetry JS SDK), Zipkin v2 JSON, Prometheus (prom-client) and pino
 * log lines with `trace_id`/`span_id`. Pure serializers are separate from the
 * transports; transports are bounded, batched, never throw into the app and
 * run with tracing suppressed.
 *
 * @example
 * import { OtlpSpanExporter, PrometheusMetrics, createMetricsHandler } from 'stagescope/export';
 * const otlp = new OtlpSpanExporter({ url: 'http://localhost:4318/v1/traces' });
 * otlp.attach(tracer);
 */
export { BufferedTransport, EXPORT_DROPPED_WARNING_CODE, type BufferedTransportOptions, type SendBatch, type TransportStats } from './buffered-transport.js';
export {
  exportSpanFromLive,
  exportSpansFromRecords,
  exportSpansFromRequest,
  exportSpansFromRun,
  exportSpanDurationNs,
  type ExportSpan,
  type ExportSpanOptions,
} from './export-span.js';
export { SpanExportPipeline, type SpanExporterOptions } from './span-export-pipeline.js';
export { isValidSpanId, isValidTraceId, PROCESS_SPAN_ID_SALT, toOtelSpanId } from './span-ids.js';
export { extractTraceparent, formatTraceparent, W3CTraceContextPropagator, type TraceparentContext } from './traceparent.js';
export { defaultServiceName } from './service-name.js';
export {
  durationNsToHrTime,
  epochNsToHrTime,
  STAGESCOPE_ATTRIBUTES,
  stagescopeResource,
  toReadableSpan,
  toReadableSpans,
  type SpanConverterOptions,
} from './otel/span-converter.js';
export { OtlpSpanExporter, type OtlpExporterOptions, type OtlpProtocol } from './otel/otlp-exporter.js';
export { serializeZipkinSpans, toZipkinSpans, type ZipkinSerializerOptions, type ZipkinSpan } from './zipkin/zipkin-serializer.js';
export { ZipkinSpanExporter, type ZipkinExporterOptions } from './zipkin/zipkin-exporter.js';
export { LabelValueLimiter, OTHER_LABEL_VALUE } from './prometheus/label-limiter.js';
export { PrometheusMetrics, type PrometheusMetricsOptions } from './prometheus/metrics.js';
export { createMetricsHandler, serveMetrics, type MetricsHandler, type MetricsServer, type MetricsServerOptions } from './prometheus/handler.js';
export { SpanLogger, type LogLevel, type SpanLoggerOptions } from './logs/pino-logger.js';
