import { nowNs } from './clock.js';
import { storage, SUPPRESSED, isSuppressed } from './context.js';
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

  startSpan(name: string, options: StartSpanOptions = {}): Span {
    let parent = options.parent;
    if (parent === undefined) {
      const current = storage.getStore();
      parent = current === undefined || current === SUPPRESSED ? this.ambientRoot : current;
    }
    const trace = parent === null ? new Trace(options.startNs) : parent.trace;
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
