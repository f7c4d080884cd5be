import { httpPost } from '../http-post.js';
import { defaultServiceName } from '../service-name.js';
import { SpanExportPipeline, type SpanExporterOptions } from '../span-export-pipeline.js';
import { serializeZipkinSpans } from './zipkin-serializer.js';

export interface ZipkinExporterOptions extends SpanExporterOptions {
  /** Default `http://localhost:9411/api/v2/spans`. */
  url?: string;
  /** Extra request headers. Default none. */
  headers?: Record<string, string>;
  /** `localEndpoint.serviceName`. Default `OTEL_SERVICE_NAME`, else the app's package.json name, else `stagescope`. */
  serviceName?: string;
}

/**
 * Exports stagescope spans to Zipkin (or anything that takes Zipkin v2 JSON:
 * Jaeger's and the OTel collector's zipkin receivers). Same bounded, batched,
 * never-throwing transport as `OtlpSpanExporter`.
 *
 * @example
 * const zipkin = new ZipkinSpanExporter({ url: 'http://zipkin:9411/api/v2/spans', serviceName: 'ocr-api' });
 * zipkin.attach(tracer);
 */
export class ZipkinSpanExporter extends SpanExportPipeline {
  readonly url: string;
  readonly serviceName: string;

  /** @throws Error naming the option for a bad url. */
  constructor(options: ZipkinExporterOptions = {}) {
    const urlText = options.url ?? 'http://localhost:9411/api/v2/spans';
    let url: URL;
    try {
      url = new URL(urlText);
    } catch {
      throw new Error(
        `ZipkinSpanExporter: option url must be an absolute http(s) URL such as http://localhost:9411/api/v2/spans, got ${JSON.stringify(urlText)}`,
      );
    }
    const serviceName = options.serviceName ?? defaultServiceName();
    const headers = { ...options.headers, 'content-type': 'application/json' };
    super('zipkin', (spans, signal) => httpPost(url, serializeZipkinSpans(spans, { serviceName }), headers, signal), options);
    this.url = urlText;
    this.serviceName = serviceName;
  }
}
