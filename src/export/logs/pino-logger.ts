import { pino, type Logger } from 'pino';
import { suppressTracing } from '../../core/context.js';
import { guarded } from '../../core/guarded.js';
import type { RunDocument } from '../../core/run-document.js';
import type { Span } from '../../core/span.js';
import type { Tracer } from '../../core/tracer.js';
import type { FinishedRequest, RequestEventSource } from '../../core/request-events.js';
import {
  exportSpanDurationNs,
  exportSpanFromLive,
  exportSpansFromRequest,
  exportSpansFromRun,
  type ExportSpan,
  type ExportSpanOptions,
} from '../export-span.js';

/** pino levels a line can be written at. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface SpanLoggerOptions extends ExportSpanOptions {
  /** The app's pino logger (a child logger is fine). Default `pino({ name: 'stagescope' })` writing JSON to stdout. */
  logger?: Logger;
  /** Level of lines for successful requests/spans; failures are logged at `error`. Default `info`. */
  level?: LogLevel;
  /** Also write one line per finished stage span (spans with a stage or target), not only per request/run. Default false. */
  stages?: boolean;
}

const nsToMs = (ns: number): number => Math.round(ns / 1e3) / 1e3;

/** The OpenTelemetry log-correlation fields of a span (field names from the OTel logs data model). */
function correlation(span: ExportSpan): { trace_id: string; span_id: string; trace_flags: string } {
  return { trace_id: span.traceId, span_id: span.spanId, trace_flags: '01' };
}

function stageLine(span: ExportSpan): Record<string, unknown> {
  const line: Record<string, unknown> = {
    ...correlation(span),
    parent_span_id: span.parentSpanId,
    name: span.name,
    stage: span.stage,
    target: span.target,
    duration_ms: nsToMs(exportSpanDurationNs(span)),
    status: span.status,
  };
  // Not `err`: pino's err serializer expects an Error instance.
  if (span.error !== null) line.exception = { type: span.error.name, message: span.error.message };
  return line;
}

/**
 * Structured JSON log lines (pino) of finished requests, runs and stages, each
 * carrying `trace_id` and `span_id` — the same ids the OTLP and Zipkin
 * exporters send — so a log line in Loki/Elasticsearch links to its trace.
 *
 * @example
 * const logs = new SpanLogger({ logger: app.log });   // Fastify's pino, or pino()
 * logs.subscribe(requestStore);
 * // {"level":30,"trace_id":"4bf9…","span_id":"00f0…","request_id":"…","route":"/predict","status":200,"latency_ms":12.3,"stages":{"detection":8.1},"msg":"request finished"}
 */
export class SpanLogger {
  readonly logger: Logger;
  readonly #level: LogLevel;
  readonly #stages: boolean;
  readonly #idOptions: ExportSpanOptions;

  constructor(options: SpanLoggerOptions = {}) {
    this.logger = options.logger ?? pino({ name: 'stagescope' });
    this.#level = options.level ?? 'info';
    if (typeof this.logger[this.#level] !== 'function') {
      throw new Error(`SpanLogger: option level must be one of trace, debug, info, warn, error, fatal; got ${JSON.stringify(options.level)}`);
    }
    this.#stages = options.stages ?? false;
    this.#idOptions = options.spanIdSalt === undefined ? {} : { spanIdSalt: options.spanIdSalt };
  }

  /** One line for a finished request (plus one per stage span with `stages: true`). Never throws. */
  logRequest(request: FinishedRequest): void {
    this.#safely(() => {
      const spans = exportSpansFromRequest(request, this.#idOptions);
      const root = spans.find((span) => span.stagescopeId === request.rootSpanId) ?? spans[0];
      const line: Record<string, unknown> = {
        ...(root === undefined ? { trace_id: request.traceId } : correlation(root)),
        request_id: request.id,
        method: request.method,
        route: request.route,
        status: request.status,
        latency_ms: nsToMs(request.latencyNs),
        stages: stageTotals(spans),
        overhead_ms: nsToMs(request.overheadNs),
      };
      if (request.error) line.error = true;
      this.#write(request.error ? 'error' : this.#level, line, 'request finished');
      if (this.#stages) this.#writeStages(spans);
    });
  }

  /** One line for a saved run's root (plus stages with `stages: true`). */
  logRun(doc: RunDocument): void {
    this.#safely(() => {
      const spans = exportSpansFromRun(doc, this.#idOptions);
      const root = spans.find((span) => span.parentSpanId === null);
      const line: Record<string, unknown> = {
        ...(root === undefined ? {} : correlation(root)),
        preset: doc.preset,
        command: doc.command,
        duration_ms: nsToMs(doc.durationNs),
        overhead_ms: nsToMs(doc.overheadNs),
        exit_code: doc.exitCode,
        stages: stageTotals(spans),
      };
      this.#write(doc.error !== null ? 'error' : this.#level, line, 'run finished');
      if (this.#stages) this.#writeStages(spans);
    });
  }

  /** One line for a finished live span (a stage line, or a root line for a trace's root). */
  logSpan(span: Span): void {
    this.#safely(() => {
      const exported = exportSpanFromLive(span, this.#idOptions);
      this.#write(exported.status === 'error' ? 'error' : this.#level, stageLine(exported), span.parent === null ? 'trace finished' : 'span finished');
    });
  }

  /**
   * Log spans `tracer` ends from now on: trace roots always, stage spans with
   * `stages: true`. Returns the unsubscribe function.
   */
  attach(tracer: Tracer): () => void {
    return tracer.onSpanEnd((span) => {
      if (span.parent === null || (this.#stages && (span.stage !== null || span.target !== null))) this.logSpan(span);
    });
  }

  /** Log every finished request of the serving middleware. Returns the unsubscribe function. */
  subscribe(source: RequestEventSource): () => void {
    return source.onRequestFinished((request) => this.logRequest(request));
  }

  #writeStages(spans: ExportSpan[]): void {
    for (const span of spans) {
      if (span.stage === null && span.target === null) continue;
      this.#write(span.status === 'error' ? 'error' : this.#level, stageLine(span), 'span finished');
    }
  }

  #write(level: LogLevel, line: Record<string, unknown>, message: string): void {
    this.logger[level](line, message);
  }

  #safely(fn: () => void): void {
    // The logger's stream writes are I/O: never traced as part of the app.
    guarded('SS_LOG_FAILED', 'writing a stagescope log line failed', () => suppressTracing(fn));
  }
}

/** Total milliseconds per stage (spans with a stage), for the one-line request summary. */
function stageTotals(spans: readonly ExportSpan[]): Record<string, number> {
  const totals: Record<string, number> = {};
  const stageOf = new Map(spans.map((span) => [span.spanId, span.stage]));
  for (const span of spans) {
    // Count only the outermost span of a stage: a detection call inside a detection call is not twice the time.
    if (span.stage === null || (span.parentSpanId !== null && stageOf.get(span.parentSpanId) === span.stage)) continue;
    totals[span.stage] = (totals[span.stage] ?? 0) + exportSpanDurationNs(span);
  }
  for (const key of Object.keys(totals)) totals[key] = nsToMs(totals[key]!);
  return totals;
}
