import { nowNs } from './clock.js';
import { storage, SUPPRESSED, isSuppressed, syncSuppression, type ContextValue } from './context.js';
import { reportDiagnostic } from './diagnostics.js';
import { reportGuarded } from './guarded.js';
import { probeEdge, type SpanProbe } from './probe.js';
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
   * False: no per-span probe readings (a span recorded after its work ended,
   * whose start and end readings would both be taken now). Default true.
   */
  probes?: boolean;
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

/** The state argument of a probe read that has none (span start). */
const NO_STATE: unknown[] = [];

export interface TracerOptions extends RecorderOptions {
  probes?: SpanProbe[];
}

export type SpanListener = (span: Span) => void;

/**
 * Creates spans, keeps them in a bounded recorder, runs probes, and carries the
 * current span through AsyncLocalStorage (`run`, or `enterWith` restored in
 * `finally` around synchronous code, so a context can never leak into the
 * caller's continuation).
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
  /** Time spent in per-span probes (start and end readings), ns; also added to each trace's `overheadNs`. */
  probeNs = 0;
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
   * `startSpan` for wrappers, without its clock reading: positional arguments,
   * current context as parent, no options object to allocate on every wrapped
   * call. `nameId` is the recorder's interned id of `name`
   * (`recorder.intern(name)`, cached by the caller), or -1. The span is made
   * and its probes read their start values; `stampStart` then reads its start
   * and stores it. A wrapper switches the context in between, so that neither
   * the probes nor the switch (a frame copy on Node 24) are inside the span's
   * duration (both are counted as overhead).
   */
  openSpanFast(name: string, nameId: number, stage: Stage | null, target: string | null, current: ContextValue | undefined, targetId = -1): Span {
    const parent = current === undefined || current === SUPPRESSED ? this.ambientRoot : current;
    const trace = parent === null ? this.#newTrace(undefined) : parent.trace;
    // startNs -1 until the clock is read, after the probes (see `isRetroactive`)
    const span = new Span(trace, parent, name, stage, target, -1);
    span.nameId = nameId;
    span.targetId = targetId;
    if (trace.root === null) trace.root = span;
    if (this.probes.length > 0) this.#startProbes(span);
    return span;
  }

  /**
   * Store a span made by `openSpanFast` and read its start, in that order:
   * taking its row is stagescope's work, not the span's (see `Recorder.add`).
   */
  stampStart(span: Span): void {
    this.recorder.add(span);
    span.startNs = nowNs();
    this.recorder.started(span);
  }

  startSpan(name: string, options: StartSpanOptions = {}): Span {
    let parent = options.parent;
    if (parent === undefined) {
      const current = storage.getStore();
      parent = current === undefined || current === SUPPRESSED ? this.ambientRoot : current;
    }
    const trace = parent === null ? this.#newTrace(options) : parent.trace;
    if (parent === null && options.recorded === false) trace.recorded = false;
    const span = new Span(trace, parent, name, options.stage ?? null, options.target ?? null, options.startNs ?? -1);
    if (trace.root === null) trace.root = span;
    if (this.probes.length > 0 && options.probes !== false) this.#startProbes(span);
    this.recorder.add(span);
    span.startNs = options.startNs ?? nowNs();
    return span;
  }

  /**
   * End a span at `endNs` (default now); `error` marks it failed. Idempotent.
   * Probes read their end values after `endNs` was taken (outside the span).
   */
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
    // Indexed, not for-of: V8's Maglev (Node 24) makes an iterator per loop,
    // ~100 bytes of garbage a span, whether or not a listener is there.
    const listeners = this.#endListeners;
    for (let i = 0; i < listeners.length; i++) {
      const listener = listeners[i]!;
      try {
        listener(span);
      } catch (listenerError) {
        reportGuarded('SS_LISTENER_FAILED', 'a span listener threw', listenerError);
      }
    }
    this.recorder.commit(span);
  }

  /**
   * Record a change to a span made after it ended (a library that reports its
   * completion later than the call returned, like sharp's callback mode).
   */
  amendSpan(span: Span): void {
    this.recorder.commit(span);
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

  #newTrace(options: StartSpanOptions | undefined): Trace {
    const trace = options === undefined ? new Trace() : newTrace(options);
    trace.recorder = this.recorder;
    return trace;
  }

  #startProbes(span: Span): void {
    const beforeNs = nowNs();
    probeEdge.atNs = beforeNs;
    span.probeState = this.#withTracingSuppressed(this.#readProbeStarts, span, NO_STATE) as unknown[];
    this.#probeEdgeDone(span, beforeNs);
  }

  #endProbes(span: Span): void {
    const beforeNs = nowNs();
    probeEdge.atNs = beforeNs;
    const state = span.probeState!;
    span.probeState = null;
    this.#withTracingSuppressed(this.#readProbeEnds, span, state);
    this.#probeEdgeDone(span, beforeNs);
  }

  /** Close a span edge's probes: their time is overhead. */
  #probeEdgeDone(span: Span, beforeNs: number): void {
    probeEdge.atNs = -1;
    const probeNs = nowNs() - beforeNs;
    this.probeNs += probeNs;
    span.trace.overheadNs += probeNs;
  }

  /**
   * Probes never trace themselves: built-in ones behind a counter, others
   * behind one context switch (enterWith restored in finally, as the wrapper
   * does: probes are synchronous, and AsyncLocalStorage.run costs more).
   * Arguments instead of a closure: this runs twice per span.
   */
  #withTracingSuppressed(read: (span: Span, state: unknown[]) => unknown, span: Span, state: unknown[]): unknown {
    if (this.#probesSelfContained()) {
      syncSuppression.depth++;
      try {
        return read(span, state);
      } finally {
        syncSuppression.depth--;
      }
    }
    const store = storage.getStore();
    storage.enterWith(SUPPRESSED);
    try {
      return read(span, state);
    } finally {
      storage.enterWith(store as ContextValue);
    }
  }

  /** Are all probes built-in ones (see SpanProbe.selfContained)? Probes is a public array: checked per edge, a few ns. */
  #probesSelfContained(): boolean {
    for (let i = 0; i < this.probes.length; i++) if (this.probes[i]!.selfContained !== true) return false;
    return true;
  }

  readonly #readProbeStarts = (span: Span): unknown[] => {
    const state: unknown[] = new Array<unknown>(this.probes.length);
    for (let i = 0; i < this.probes.length; i++) {
      const probe = this.probes[i]!;
      try {
        state[i] = probe.start(span);
      } catch (error) {
        reportGuarded('SS_PROBE_FAILED', () => `probe "${probe.name}" failed at span start`, error);
      }
    }
    return state;
  };

  readonly #readProbeEnds = (span: Span, state: unknown[]): void => {
    for (let i = 0; i < this.probes.length; i++) {
      const probe = this.probes[i]!;
      try {
        probe.end(span, state[i]);
      } catch (error) {
        reportGuarded('SS_PROBE_FAILED', () => `probe "${probe.name}" failed at span end`, error);
      }
    }
  };
}
