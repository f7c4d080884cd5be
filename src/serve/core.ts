import type { IncomingMessage, ServerResponse } from 'node:http';
import { nowNs, nsToWallMs } from '../core/clock.js';
import { currentSpan, storage, suppressTracing } from '../core/context.js';
import { guarded, reportGuarded } from '../core/guarded.js';
import { toSpanRecords, type AdaptiveEvent } from '../core/run-document.js';
import type { Span, Trace } from '../core/span.js';
import type { Tracer } from '../core/tracer.js';
import { exposeHeaders } from './cors-expose.js';
import { installOutgoingPropagation } from './outgoing-propagation.js';
import { isSampled, markUnsampled } from '../core/trace-sampling.js';
import { installHttpPrototypeHooks, traceHttpObjects } from './http-prototypes.js';
import type { FinishedRequest, TraceContextPropagator } from '../core/request-events.js';
import { requestIdFrom } from './request-id.js';
import type { RequestTreeStore } from './store.js';

/** What the core needs to know; resolved by ServeScope. */
export interface ServeCoreConfig {
  tracer: Tracer;
  store: RequestTreeStore;
  requestIdHeader: string;
  latencyHeader: string;
  maxSpansPerRequest: number;
  routeOf: ((req: IncomingMessage) => string | undefined) | undefined;
  ignore: ((req: IncomingMessage) => boolean) | undefined;
  propagator: TraceContextPropagator | undefined;
  /** Called before the first traced request (starts the preset if nobody did). */
  beforeFirstRequest: () => void;
}

/** Per-request state, reachable from the request object and from the trace. */
export interface RequestState {
  readonly id: string;
  readonly root: Span;
  readonly method: string;
  readonly path: string;
  readonly startNs: number;
  /** Adapters set this: the framework's route template, known once routing is done. */
  routeOf: (() => string | undefined) | undefined;
  /** The route as resolved when the headers went out (routers reset their state when they unwind). */
  routeAtHeaders: string | undefined;
  spans: Span[];
  droppedSpans: number;
  adaptive: AdaptiveEvent[];
  thrown: unknown;
  finished: boolean;
  remoteParent: { traceId: string; spanId: string; sampled?: boolean } | undefined;
}

const STATE = Symbol.for('stagescope.serve.request');
const MAX_ROUTE_LENGTH = 200;

type WithState = IncomingMessage & { [STATE]?: RequestState };

/** The request's state, if the core is tracing it (adapters use this to set the route). */
export function requestStateOf(req: IncomingMessage): RequestState | undefined {
  return (req as WithState)[STATE];
}

/** Path without the query string, bounded. */
export function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const end = raw.search(/[?#]/);
  const path = end < 0 ? raw : raw.slice(0, end);
  return path.length > MAX_ROUTE_LENGTH ? `${path.slice(0, MAX_ROUTE_LENGTH)}…` : path || '/';
}

function formatLatency(ns: number): string {
  return `${(ns / 1e6).toFixed(3)}ms`;
}

/**
 * One core for every adapter: a root span per request (a new trace, never a
 * child of whatever context the server's listener runs in), the request's
 * events bound to it, request id and latency headers, and, when the response
 * is done, the request's spans collected into a `FinishedRequest` for the store.
 *
 * Concurrent requests never mix: each has its own trace, and spans are
 * collected per trace (an `onSpanEnd` listener looks the trace up in a WeakMap).
 */
export class ServeCore {
  readonly #config: ServeCoreConfig;
  readonly #byTrace = new WeakMap<Trace, RequestState>();
  #started = false;
  #unsubscribe: () => void;
  #uninstallOutgoing: () => void = () => undefined;

  constructor(config: ServeCoreConfig) {
    this.#config = config;
    installHttpPrototypeHooks();
    this.#unsubscribe = config.tracer.onSpanEnd((span) => this.#collect(span));
    // With a propagator, outgoing calls inside a request carry its trace on (client spans + traceparent).
    if (config.propagator !== undefined) this.#uninstallOutgoing = installOutgoingPropagation(config.tracer, config.propagator);
  }

  /**
   * Trace one request: run `next` (the app's handler, the framework's routing)
   * inside the request's root span and return what it returns. Never throws
   * its own errors into the app; the app's errors pass through unchanged.
   */
  handle<T>(req: IncomingMessage, res: ServerResponse, next: () => T): T {
    const existing = (req as WithState)[STATE];
    if (existing !== undefined) return existing.finished ? next() : storage.run(existing.root, next);
    const state = guarded('SS_SERVE_START_FAILED', 'could not start tracing a request', () =>
      this.#config.ignore?.(req) === true ? undefined : this.#start(req, res),
    );
    if (state === undefined) return next();
    try {
      return storage.run(state.root, next);
    } catch (error) {
      state.thrown = error;
      throw error;
    }
  }

  /** Stop collecting (the scope is closed). Requests in flight still finish. */
  close(): void {
    this.#unsubscribe();
    this.#uninstallOutgoing();
  }

  /** The request a span belongs to, if it is a traced request's span. */
  requestOfSpan(span: Span | null): RequestState | undefined {
    return span === null ? undefined : this.#byTrace.get(span.trace);
  }

  /** Attach an adaptive decision to the request running now (if any). */
  noteAdaptive(event: AdaptiveEvent): void {
    const state = this.requestOfSpan(currentSpan());
    if (state !== undefined && !state.finished && state.adaptive.length < 50) state.adaptive.push(event);
  }

  #start(req: IncomingMessage, res: ServerResponse): RequestState {
    if (!this.#started) {
      this.#started = true;
      this.#config.beforeFirstRequest();
    }
    const { tracer, requestIdHeader, latencyHeader, propagator } = this.#config;
    const startNs = nowNs();
    const method = req.method ?? 'GET';
    const path = pathOf(req.url);
    let remoteParent: RequestState['remoteParent'];
    if (propagator !== undefined) {
      remoteParent = guarded('SS_PROPAGATOR_FAILED', "the trace-context propagator's extract threw", () => {
        const remote = propagator.extract(req.headers);
        return remote === undefined ? undefined : { traceId: remote.traceId, spanId: remote.spanId, sampled: remote.sampled };
      });
    }
    // A new trace per request; with a remote parent it joins the caller's trace
    // (the tracer validates the ids and falls back to a random trace id).
    // recorded: false: a request's spans are bounded by the store (count, bytes,
    // maxSpansPerRequest), not by the preset's ring buffer, where thousands of
    // requests would evict the process run's start-up (model loading) spans.
    const root =
      remoteParent === undefined
        ? tracer.startSpan(`${method} ${path}`, { parent: null, startNs, recorded: false })
        : tracer.startSpan(`${method} ${path}`, { parent: null, startNs, traceId: remoteParent.traceId, remoteParentId: remoteParent.spanId, recorded: false });
    if (remoteParent !== undefined && root.trace.id !== remoteParent.traceId) remoteParent = undefined;
    // The caller's "not sampled" holds here too: measured, not exported, passed on with flags 00.
    if (remoteParent?.sampled === false) {
      markUnsampled(root.trace);
      root.setAttribute('trace.sampled', false);
    }
    const id = requestIdFrom(req.headers[requestIdHeader]);
    root.setAttribute('http.method', method);
    root.setAttribute('http.target', path);
    root.setAttribute('request.id', id);
    const state: RequestState = {
      id,
      root,
      method,
      path,
      startNs,
      routeOf: undefined,
      routeAtHeaders: undefined,
      spans: [],
      droppedSpans: 0,
      adaptive: [],
      thrown: undefined,
      finished: false,
      remoteParent,
    };
    // A symbol key: invisible to Object.keys/JSON, and one fast property add (no defineProperty).
    (req as WithState)[STATE] = state;
    this.#byTrace.set(root.trace, state);

    if (!res.headersSent) {
      res.setHeader(requestIdHeader, id);
      if (propagator !== undefined) {
        guarded('SS_PROPAGATOR_FAILED', "the trace-context propagator's inject threw", () => {
          const headers = propagator.inject({ traceId: root.trace.id, rootSpanId: root.id, sampled: isSampled(root.trace) });
          if (headers !== undefined) for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
        });
      }
    }
    const resolveRoute = (): string | undefined => this.#route(req, state);
    const onFinish = (): void => this.#finish(req, res, state, false);
    const onClose = (): void => this.#finish(req, res, state, !res.writableFinished);
    res.once('finish', onFinish);
    res.once('close', onClose);
    traceHttpObjects(req, res, root, (response) => {
      response.setHeader(latencyHeader, formatLatency(nowNs() - startNs));
      exposeHeaders(response, propagator === undefined ? [requestIdHeader, latencyHeader] : [requestIdHeader, latencyHeader, 'traceparent']);
      state.routeAtHeaders ??= resolveRoute();
    });
    return state;
  }

  #route(req: IncomingMessage, state: RequestState): string | undefined {
    return guarded('SS_SERVE_ROUTE_FAILED', 'could not read the route of a request', () => state.routeOf?.() ?? this.#config.routeOf?.(req));
  }

  #collect(span: Span): void {
    const state = this.#byTrace.get(span.trace);
    if (state === undefined || state.finished || span === state.root) return;
    if (state.spans.length < this.#config.maxSpansPerRequest) state.spans.push(span);
    else state.droppedSpans++;
  }

  #finish(req: IncomingMessage, res: ServerResponse, state: RequestState, aborted: boolean): void {
    if (state.finished) return;
    const endNs = nowNs();
    try {
      suppressTracing(() => this.#record(req, res, state, aborted, endNs));
    } catch (error) {
      // Not guarded(): finished is set before the report, so that nothing the
      // report runs (a diagnostic subscriber) can record this request again.
      state.finished = true;
      reportGuarded('SS_SERVE_FINISH_FAILED', 'could not record a finished request', error);
    }
  }

  #record(req: IncomingMessage, res: ServerResponse, state: RequestState, aborted: boolean, endNs: number): void {
    const { root } = state;
    const status = res.statusCode;
    let route = state.routeAtHeaders ?? this.#route(req, state);
    if (route === undefined || route === '') route = status === 404 ? '(unmatched)' : state.path;
    if (route.length > MAX_ROUTE_LENGTH) route = `${route.slice(0, MAX_ROUTE_LENGTH)}…`;
    root.name = `${state.method} ${route}`;
    root.setAttribute('http.route', route);
    root.setAttribute('http.status_code', status);
    const error = aborted || status >= 500 || state.thrown !== undefined;
    if (aborted) root.setAttribute('http.aborted', true);
    const failure =
      state.thrown !== undefined
        ? state.thrown
        : aborted
          ? Object.assign(new Error('the client closed the connection before the response was finished'), { name: 'Aborted' })
          : status >= 500
            ? Object.assign(new Error(`HTTP ${status}`), { name: 'HttpError' })
            : undefined;
    this.#config.tracer.endSpan(root, endNs, failure, error);
    state.finished = true;
    this.#byTrace.delete(root.trace);

    const spans = toSpanRecords(root, state.spans, endNs);
    const request: FinishedRequest = {
      id: state.id,
      traceId: root.trace.id,
      rootSpanId: root.id,
      parentSpanContext: state.remoteParent === undefined ? undefined : { traceId: state.remoteParent.traceId, spanId: state.remoteParent.spanId },
      sampled: isSampled(root.trace),
      method: state.method,
      route,
      path: state.path,
      status,
      error,
      startNs: state.startNs,
      endNs,
      latencyNs: endNs - state.startNs,
      startedAt: new Date(nsToWallMs(state.startNs)).toISOString(),
      overheadNs: Math.round(root.trace.overheadNs + root.trace.wrapperMeasuredNs),
      wrappedCalls: root.trace.wrappedCalls,
      spans,
      adaptive: state.adaptive.map((event) => ({ ...event, atNs: Math.max(0, event.atNs - state.startNs) })),
      droppedSpans: state.droppedSpans,
    };
    state.spans = [];
    this.#config.store.add(request);
  }
}
