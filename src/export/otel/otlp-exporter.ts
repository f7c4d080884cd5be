import type http from 'node:http';
import { unrefAgent } from '../unref-agent.js';
import type { Attributes as OtelAttributes } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { SpanExportPipeline, type SpanExporterOptions } from '../span-export-pipeline.js';
import type { ExportSpan } from '../export-span.js';
import { defaultServiceName } from '../service-name.js';
import { stagescopeResource, toReadableSpans } from './span-converter.js';

/** OTLP over HTTP: protobuf (the collector's default) or JSON. */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface OtlpExporterOptions extends SpanExporterOptions {
  /**
   * Traces endpoint. Default `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else
   * `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, else `http://localhost:4318/v1/traces`.
   */
  url?: string;
  /** Default `http/protobuf`. */
  protocol?: OtlpProtocol;
  /** Extra request headers (auth). Default none. */
  headers?: Record<string, string>;
  /** `service.name` of the resource. Default `OTEL_SERVICE_NAME`, else the app's package.json name, else `stagescope`. */
  serviceName?: string;
  /** More resource attributes (`deployment.environment`, …). Default none. */
  resourceAttributes?: OtelAttributes;
}

function defaultTracesUrl(): string {
  const traces = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = process.env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (base) return `${base.replace(/\/+$/, '')}/v1/traces`;
  return 'http://localhost:4318/v1/traces';
}

/**
 * Exports stagescope spans to an OpenTelemetry collector (or Jaeger/Tempo's OTLP
 * port) through the OpenTelemetry JS SDK's own `OTLPTraceExporter`, so the wire
 * format is the SDK's. stagescope spans become `ReadableSpan`s with ns-exact
 * times, parent links, `stagescope.stage`/`stagescope.target` and metric
 * attributes (`toReadableSpan`). Bounded, batched and never throwing: see
 * `BufferedTransport`. The SDK exporter package is loaded on the first send.
 *
 * @example
 * const otlp = new OtlpSpanExporter({ url: 'http://collector:4318/v1/traces', serviceName: 'ocr-api' });
 * otlp.attach(tracer);            // live spans, or otlp.subscribe(requestStore) in a server
 * await otlp.shutdown();          // at exit: flush what is queued
 */
export class OtlpSpanExporter extends SpanExportPipeline {
  readonly url: string;
  readonly protocol: OtlpProtocol;
  readonly serviceName: string;

  /** @throws Error naming the option for a bad url or protocol. */
  constructor(options: OtlpExporterOptions = {}) {
    const url = options.url ?? defaultTracesUrl();
    try {
      new URL(url);
    } catch {
      throw new Error(`OtlpSpanExporter: option url must be an absolute http(s) URL such as http://localhost:4318/v1/traces, got ${JSON.stringify(url)}`);
    }
    const protocol = options.protocol ?? 'http/protobuf';
    if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
      throw new Error(`OtlpSpanExporter: option protocol must be 'http/protobuf' or 'http/json', got ${JSON.stringify(protocol)}`);
    }
    const serviceName = options.serviceName ?? defaultServiceName();
    const resource = stagescopeResource(serviceName, options.resourceAttributes);
    const timeoutMs = options.timeoutMs ?? 10_000;
    let sdkExporter: Promise<SpanExporter> | null = null;
    const send = async (spans: ExportSpan[]): Promise<void> => {
      sdkExporter ??= loadSdkExporter(protocol, { url, headers: options.headers ?? {}, timeoutMillis: timeoutMs });
      const exporter = await sdkExporter;
      const readable: ReadableSpan[] = toReadableSpans(spans, { resource });
      await new Promise<void>((resolve, reject) => {
        exporter.export(readable, (result) => {
          if (result.code === ExportResultCode.SUCCESS) resolve();
          else reject(result.error ?? new Error('OTLP export failed'));
        });
      });
    };
    super('otlp', send, { ...options, timeoutMs });
    this.url = url;
    this.protocol = protocol;
    this.serviceName = serviceName;
  }
}

interface SdkExporterConfig {
  url: string;
  headers: Record<string, string>;
  timeoutMillis: number;
}

async function loadSdkExporter(protocol: OtlpProtocol, config: SdkExporterConfig): Promise<SpanExporter> {
  // The SDK's own agent keeps in-flight sockets ref'd: a slow collector would hold a finished script open.
  const httpAgentOptions = (agentProtocol: string): http.Agent => unrefAgent(agentProtocol === 'https:');
  if (protocol === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter({ ...config, concurrencyLimit: 4, httpAgentOptions });
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter({ ...config, concurrencyLimit: 4, httpAgentOptions });
}
