import type { RunDocument } from '../core/run-document.js';
import type { Span } from '../core/span.js';
import type { Tracer } from '../core/tracer.js';
import { guarded } from '../core/guarded.js';
import type { FinishedRequest, RequestEventSource } from '../core/request-events.js';
import { isSampled } from '../core/trace-sampling.js';
import { BufferedTransport, type BufferedTransportOptions, type TransportStats } from './buffered-transport.js';
import { exportSpanFromLive, exportSpansFromRequest, exportSpansFromRun, type ExportSpan, type ExportSpanOptions } from './export-span.js';

/** Options of every span exporter (OTLP, Zipkin): the transport's bounds plus id derivation. */
export interface SpanExporterOptions extends Omit<BufferedTransportOptions, 'name'>, ExportSpanOptions {}

/** Sends already-converted spans; what a concrete exporter provides. */
export type SendExportSpans = (spans: ExportSpan[], signal: AbortSignal) => Promise<void>;

/**
 * The part every span exporter shares: accept spans from a live tracer, a saved
 * run or the serving middleware's finished requests; queue them in a bounded
 * `BufferedTransport`; convert them only when a batch is sent (the app's span-end
 * path only pushes a reference). Never throws into the app.
 */
export class SpanExportPipeline {
  readonly #transport: BufferedTransport<Span | ExportSpan>;
  readonly #idOptions: ExportSpanOptions;

  constructor(name: string, send: SendExportSpans, options: SpanExporterOptions = {}) {
    this.#idOptions = options.spanIdSalt === undefined ? {} : { spanIdSalt: options.spanIdSalt };
    this.#transport = new BufferedTransport<Span | ExportSpan>(
      (batch, signal) =>
        send(
          batch.map((item) => (isLiveSpan(item) ? exportSpanFromLive(item, this.#idOptions) : item)),
          signal,
        ),
      { ...options, name },
    );
  }

  /** Transport counters: queued, inFlight, sent, dropped, failedAttempts. */
  get stats(): TransportStats {
    return this.#transport.stats;
  }

  /** Queue one finished live span. Returns false when it was dropped. */
  exportSpan(span: Span): boolean {
    // A trace the caller marked not sampled (traceparent flags 00) is measured, never exported.
    if (!isSampled(span.trace)) return false;
    return this.#transport.enqueue(span);
  }

  /** Queue every span of a saved run; returns how many were accepted. */
  exportRun(doc: RunDocument): number {
    return this.#enqueueConverted(() => exportSpansFromRun(doc, this.#idOptions));
  }

  /** Queue every span of a finished HTTP request; returns how many were accepted. */
  exportRequest(request: FinishedRequest): number {
    if (request.sampled === false) return 0;
    return this.#enqueueConverted(() => exportSpansFromRequest(request, this.#idOptions));
  }

  /**
   * Export every span `tracer` ends from now on (offline runs, or any code that
   * uses a Tracer directly). Returns the unsubscribe function. Use either this or
   * `subscribe` for a server, not both (spans would be sent twice).
   */
  attach(tracer: Tracer): () => void {
    return tracer.onSpanEnd((span) => {
      if (isSampled(span.trace)) this.#transport.enqueue(span);
    });
  }

  /** Export every finished request of the serving middleware (`RequestTreeStore`). Returns the unsubscribe function. */
  subscribe(source: RequestEventSource): () => void {
    return source.onRequestFinished((request) => {
      this.exportRequest(request);
    });
  }

  /** Send what is queued now; never rejects. */
  flush(): Promise<void> {
    return this.#transport.flush();
  }

  /** Flush, then stop accepting spans; never rejects. Gives up (dropping, counted) after `deadlineMs`, default 2 × `timeoutMs`. */
  shutdown(deadlineMs?: number): Promise<void> {
    return this.#transport.shutdown(deadlineMs);
  }

  #enqueueConverted(convert: () => ExportSpan[]): number {
    const spans = guarded('SS_EXPORT_CONVERT_FAILED', 'could not convert spans for export', convert);
    return spans === undefined ? 0 : this.#transport.enqueueMany(spans);
  }
}

function isLiveSpan(item: Span | ExportSpan): item is Span {
  return 'trace' in item;
}
