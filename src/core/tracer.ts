import { nowNs } from './clock.js';
import { storage, SUPPRESSED, isSuppressed, type ContextValue } from './context.js';
import { reportDiagnostic } from './diagnostics.js';
import type { SpanProbe } from './probe.js';
import { Recorder, type RecorderOptions } from './recorder.js';
import { errorToRecord, Span, Trace } from './span.js';
import type { Stage } from './types.js';

export interface StartSpanOptions {
  stage?: Stage | null;
  target?: string | null;
  /** Parent span; defaults to the current span, then the tracer's ambient root. */
  parent?: Span | null;
  startNs?: number;
  /**
   * Trace id (32 lowercase hex, not all zeros) for a span that starts a new trace,
   * e.g. from an incoming W3C `traceparent`, so the trace joins the caller's.
   * Ignored when the span gets a parent; an invalid value is reported and replaced
   * by a random id.
   */
  traceId?: string;
  /** Span id (16 lowercase hex) of the remote caller's span; kept as `Trace.remoteParentId`. Same rules as `traceId`. */
  remoteParentId?: string;
  /**
   * For a span that starts a new trace: keep the trace's spans in this tracer's
   * recorder (default true). False for traces bounded elsewhere (serve's request
   * trees), so they never evict the process run's spans from the ring buffer.
   */
  recorded?: boolean;
}

const TRACE_ID_RE = /^(?!0{32})[0-9a-f]{32}$/;
const SPAN_ID_RE = /^(?!0{16})[0-9a-f]{16}$/;

/** A new trace, joining a remote one when valid ids were given (W3C trace-context rules). */
function newTrace(options: StartSpanOptions): Trace {
  if (options.traceId === undefined) return new Trace(options.startNs);
  if (!TRACE_ID_RE.test(options.traceId)) {
    reportDiagnostic('SS_BAD_TRACE_ID', `startSpan option traceId must be 32 lowercase hex chars, not all zeros; a random id was used`);
    return new Trace(options.startNs);
  }
  const remote = options.remoteParentId;
  const remoteOk = remote !== undefined && SPAN_ID_RE.test(remote);
  if (remote !== undefined && !remoteOk) {
    reportDiagnostic('SS_BAD_TRACE_ID', `startSpan option remoteParentId must be 16 lowercase hex chars, not all zeros; it was ignored`);
  }
  return new Trace(options.startNs, options.traceId, remoteOk ? remote : null);
}

export interface TracerOptions extends RecorderOptions {
  probes?: SpanProbe[];
}

export type SpanListener = (span: Span) => void;

/**
 * Creates spans, keeps them in a bounded recorder, runs probes, and carries the
 * current span through AsyncLocalStorage (`run`, never `enterWith`, so a context
 * can never leak into the caller's continuation).
 */
export class Tracer {
  readonly recorder: Recorder;
  readonly probes: SpanProbe[];
  /**
   * Where spans started outside any context go (a callback that lost its async
   * context, a call from a library's own timer): the driver sets this to the run's
   * root span so nothing is lost. Null means such a span starts a trace of its own.
   */
  ambientRoot: Span | null = null;
  #endListeners: SpanListener[] = [];

  constructor(options: TracerOptions = {}) {
    this.recorder = new Recorder(options);
    this.probes = options.probes ?? [];
  }

  /** True when a wrapped call here should record nothing (inside an exporter or probe). */
  get suppressed(): boolean {
    return isSuppressed();
  }

  /**
   * `startSpan` for wrappers: positional arguments, current context as parent, no
   * options object to allocate on every wrapped call.
   */
  startSpanFast(name: string, stage: Stage | null, target: string | null, current: ContextValue | undefined = storage.getStore()): Span {
    const parent = current === undefined || current === SUPPRESSED ? this.ambientRoot : current;
    const trace = parent === null ? new Trace() : parent.trace;
    const span = new Span(trace, parent, name, stage, target, nowNs());
    if (trace.root === null) trace.root = span;
    this.recorder.add(span);
    if (this.probes.length > 0) this.#startProbes(span);
    return span;
  }

  startSpan(name: string, options: StartSpanOptions = {}): Span {
    let parent = options.parent;
    if (parent === undefined) {
      const current = storage.getStore();
      parent = current === undefined || current === SUPPRESSED ? this.ambientRoot : current;
    }
    const trace = parent === null ? newTrace(options) : parent.trace;
    if (parent === null && options.recorded === false) trace.recorded = false;
    const span = new Span(trace, parent, name, options.stage ?? null, options.target ?? null, options.startNs ?? nowNs());
    if (trace.root === null) trace.root = span;
    this.recorder.add(span);
    if (this.probes.length > 0) this.#startProbes(span);
    return span;
  }

  /** End a span at `endNs` (default now); `error` marks it failed. Idempotent. */
  endSpan(span: Span, endNs: number = nowNs(), error?: unknown, failed = error !== undefined): void {
    if (span.endNs >= 0) return;
    span.endNs = endNs;
    if (failed) {
      span.status = 'error';
      span.error = errorToRecord(error);
    } else {
      span.status = 'ok';
    }
    if (span.probeState !== null) this.#endProbes(span);
    for (const listener of this.#endListeners) {
      try {
        listener(span);
      } catch (listenerError) {
        reportDiagnostic('SS_LISTENER_FAILED', `a span listener threw: ${String(listenerError)}`, listenerError);
      }
    }
  }

  /** Run `fn` with `span` as the current span. */
  withSpan<T>(span: Span, fn: () => T): T {
    return storage.run(span, fn);
  }

  /**
   * Start a span, run `fn` inside it, end it when `fn` returns or its promise
   * settles. The manual counterpart of a wrapped call, for drivers and users.
   */
  trace<T>(name: string, fn: () => T, options: StartSpanOptions = {}): T {
    const span = this.startSpan(name, options);
    let result: T;
    try {
      result = storage.run(span, fn);
    } catch (error) {
      this.endSpan(span, nowNs(), error, true);
      throw error;
    }
    if (result instanceof Promise) {
      result.then(
        () => this.endSpan(span),
        (error: unknown) => this.endSpan(span, nowNs(), error, true),
      );
    } else {
      this.endSpan(span);
    }
    return result;
  }

  onSpanEnd(listener: SpanListener): () => void {
    this.#endListeners.push(listener);
    return () => {
      const index = this.#endListeners.indexOf(listener);
      if (index >= 0) this.#endListeners.splice(index, 1);
    };
  }

  #startProbes(span: Span): void {
    const state: unknown[] = new Array<unknown>(this.probes.length);
    for (let i = 0; i < this.probes.length; i++) {
      const probe = this.probes[i]!;
      try {
        state[i] = storage.run(SUPPRESSED, () => probe.start(span));
      } catch (error) {
        reportDiagnostic('SS_PROBE_FAILED', `probe "${probe.name}" failed at span start: ${String(error)}`, error);
      }
    }
    span.probeState = state;
  }

  #endProbes(span: Span): void {
    const state = span.probeState!;
    span.probeState = null;
    for (let i = 0; i < this.probes.length; i++) {
      const probe = this.probes[i]!;
      try {
        storage.run(SUPPRESSED, () => probe.end(span, state[i]));
      } catch (error) {
        reportDiagnostic('SS_PROBE_FAILED', `probe "${probe.name}" failed at span end: ${String(error)}`, error);
      }
    }
  }
}
