import { nowNs } from './clock.js';
import { pooledTraceId } from './trace-id.js';
import type { Attributes, AttributeValue, Metrics, SpanError, SpanStatus, Stage } from './types.js';

let nextSpanId = 1;

/**
 * The first value of a span's `startNs` and `endNs` fields, replaced in the
 * constructor: a number that is not a small integer, so that V8 gives both
 * fields the double representation from the first span on.
 *
 * Why: V8 takes a field's representation from the values stored in it.
 * `endNs`, -1 and then readings of the first 2.1 s (below 2^31 ns), was a
 * small-integer field; the first reading past 2^31 ns, 2.15 s after
 * stagescope loaded, changed every span's map, and on Node 22 wrapped calls
 * stayed about three times slower from then on: a tiny traced async function
 * went from 470 to 1,500 ns a call for the rest of the process (Node 24 did
 * not slow down). Every traced process that runs longer than that paid it;
 * bench:cost's short loops did not show it. docs/overhead.md, one-off
 * measurement M11.
 */
const DOUBLE_FIELD = 0.5;

/**
 * Attribute objects that several spans hold (`shareAttributes`). A set, not
 * frozen objects: the one change a shared object takes is one that is right
 * for every span holding it (an input file's size, filled in when the run is
 * reported: sharp-hooks.ts). Looking up an object that never was shared is
 * cheap: it has no identity hash yet.
 */
const SHARED_ATTRIBUTES = new WeakSet<Attributes>();

/**
 * Mark `attributes` as held by several spans, one per call of a shape that
 * repeats (an onnx session's run with the same tensor shapes, a sharp
 * pipeline repeated exactly): Span.setAttribute copies it before a change.
 * Assign it to `span.attributes` only while that is null.
 */
export function shareAttributes<T extends Attributes>(attributes: T): T {
  SHARED_ATTRIBUTES.add(attributes);
  return attributes;
}

/** Whether `attributes` is shared by several spans (tests, and code that would change it in place). */
export function isSharedAttributes(attributes: Attributes | null): boolean {
  return attributes !== null && SHARED_ATTRIBUTES.has(attributes);
}

/** Every field of a span, for rebuilding one from the recorder's rows. */
export interface SpanFields {
  idNumber: number;
  parent: Span | null;
  trace: Trace;
  name: string;
  stage: Stage | null;
  target: string | null;
  startNs: number;
  endNs: number;
  status: SpanStatus;
  error: SpanError | null;
  metrics: Metrics | null;
  attributes: Attributes | null;
}

/**
 * A span. While open it is a live handle: allocated on every wrapped call, kept
 * small, fields are plain properties (no getters, no private fields) and maps are
 * created lazily. When it ends the recorder copies it into its rows, so the handle
 * itself dies young (see `Recorder`); `Recorder.spans()` rebuilds spans for readers.
 */
export class Span {
  /** Numeric id; the string form (`id`) is made only when someone reads it. */
  readonly idNumber: number;
  readonly parent: Span | null;
  readonly trace: Trace;
  name: string;
  stage: Stage | null;
  readonly target: string | null;
  /** Absolute `nowNs()` at start (set once, when the span starts). */
  startNs: number = DOUBLE_FIELD;
  /** Absolute `nowNs()` at end, or -1 while open. */
  endNs: number = DOUBLE_FIELD;
  status: SpanStatus = 'unfinished';
  error: SpanError | null = null;
  metrics: Metrics | null = null;
  attributes: Attributes | null = null;
  /** Probe state captured at start, consumed at end. */
  probeState: unknown[] | null = null;
  /** The recorder row holding this span, or -1 (not recorded, or its row was reused). */
  row = -1;
  /** The recorder's interned id of `name` when the span started (-1: intern at the end). */
  nameId = -1;
  /** The recorder's interned id of `target` (-1: intern when recorded). */
  targetId = -1;
  /**
   * Keep this handle in the recorder after the span ends (default): code that
   * holds it may still change it (a hook adding a late attribute, a child added
   * after the fact). Spans of wrapped calls — the hot path — set this to false
   * before they are stored, so the recorder keeps only their row, from their
   * start on (core/recorder.ts, `#openRow`); set back to true later, the
   * handle is kept from the span's end.
   */
  retain = true;
  /**
   * The wrapper's state of a hooked call while its promise is pending
   * (instrument/wrap.ts): the promise's reactions, shared by every call of
   * the target, find the span as the context and the call's state here,
   * instead of two closures and their context per call. Null otherwise.
   */
  pendingCall: object | null = null;

  constructor(trace: Trace, parent: Span | null, name: string, stage: Stage | null, target: string | null, startNs: number, idNumber: number = nextSpanId++) {
    this.idNumber = idNumber;
    this.trace = trace;
    this.parent = parent;
    this.name = name;
    this.stage = stage;
    this.target = target;
    this.startNs = startNs;
    this.endNs = -1;
  }

  /** A span read back from the recorder's rows. */
  static rebuild(fields: SpanFields): Span {
    const span = new Span(fields.trace, fields.parent, fields.name, fields.stage, fields.target, fields.startNs, fields.idNumber);
    span.endNs = fields.endNs;
    span.status = fields.status;
    span.error = fields.error;
    span.metrics = fields.metrics;
    span.attributes = fields.attributes;
    return span;
  }

  /**
   * Stand-in for a parent that is no longer in the recorder (its row was reused):
   * only its id is known, so readers see a child whose parent is missing.
   */
  static detachedParent(idNumber: number, trace: Trace): Span {
    return new Span(trace, null, '', null, null, 0, idNumber);
  }

  /** Span id, unique in the process (a string in the run document). */
  get id(): string {
    return String(this.idNumber);
  }

  /**
   * Set one attribute. `attributes` may be an object that a hook shares
   * between the calls of one shape (`shareAttributes`); it is copied before
   * the first change, so no other span sees it.
   */
  setAttribute(key: string, value: AttributeValue): void {
    let attributes = this.attributes;
    if (attributes === null) attributes = this.attributes = {};
    else if (SHARED_ATTRIBUTES.has(attributes)) attributes = this.attributes = { ...attributes };
    attributes[key] = value;
  }

  setMetric(key: string, value: number): void {
    (this.metrics ??= {})[key] = value;
  }

  addMetric(key: string, value: number): void {
    const metrics = (this.metrics ??= {});
    metrics[key] = (metrics[key] ?? 0) + value;
  }

  get ended(): boolean {
    return this.endNs >= 0;
  }

  /**
   * Record a change made to this span after it ended (its end moved, an error or
   * attribute added later): the recorder copied the span when it ended.
   */
  amend(): void {
    this.trace.recorder?.commit(this);
  }
}

/**
 * One trace: a run of a script under a driver, or one HTTP request. Holds the
 * overhead accounting that the report's "OH" figure comes from.
 */
export class Trace {
  readonly id: string;
  readonly startNs: number;
  root: Span | null = null;
  /**
   * Measured stagescope time for this trace, ns: hooks (library-specific labelling
   * on the call path) and per-span probes. The wrappers' own per-call cost is
   * measured only on calls of hooked targets (`wrapperMeasuredNs`); for the
   * others it would take more clock reads than the wrapper costs, and it is
   * estimated from `wrappedCalls` and a calibration, see
   * `instrument/overhead-model.ts`.
   */
  overheadNs = 0;
  /** Wrapped calls recorded for this trace. */
  wrappedCalls = 0;
  /** Of `wrappedCalls`, those that returned a promise (their end is a promise reaction). */
  asyncCalls = 0;
  /**
   * Of `wrappedCalls`, those recorded after they ended because an overhead
   * budget had cut their target (instrument/long-call-watch.ts): their cost is
   * the timing's, counted with the pass-through calls, not a recorded call's.
   */
  keptCalls = 0;
  /**
   * Of `wrappedCalls`, those whose wrapper time was measured where it ran,
   * or estimated from such calls of their target (`timedCalls`)
   * (calls of a target with a library hook, instrument/wrap.ts `hookedCall`):
   * making the span before its start reading, and ending it (its span-end
   * listeners included) and storing it after its end reading. Why measured there: such calls are a library's (a model
   * run, an image pipeline), usually after the main thread waited for a native
   * thread or ran native code for a millisecond, and the wrapper then runs on
   * a cold CPU cache at several times its warm calibrated cost (bench:cost
   * row 3). Clock readings cost there too, so a hooked target's calls past its
   * first ones are timed one in 16 (`timedCalls`); a hookless wrapper, the kind a
   * hot function of the user's gets, stays calibrated, except for the
   * process's first 1,024 calls, which run cold code (wrap.ts `cold`).
   */
  measuredCalls = 0;
  /**
   * Of `measuredCalls`, those timed in their parts; the others (a hooked
   * target's calls past its first 64, all but one in 16) count what the
   * target's timed calls cost lately (instrument/timed-calls.ts).
   */
  timedCalls = 0;
  /** Of `measuredCalls`, those that returned a promise. */
  measuredAsyncCalls = 0;
  /** The wrapper time of `measuredCalls`, ns (not their hooks' or probes', which `overheadNs` holds). */
  wrapperMeasuredNs = 0;
  /** Where this trace's spans are stored (set by the tracer that made the trace). */
  recorder: { commit(span: Span): void } | null = null;
  attributes: Attributes = {};
  /** False when this trace's spans are kept elsewhere (see `StartSpanOptions.recorded`): the recorder skips them. */
  recorded = true;
  /**
   * Span id (16 hex) of the caller's span when this trace continues a distributed
   * trace (W3C `traceparent`); the root span's remote parent. Null otherwise.
   */
  readonly remoteParentId: string | null;

  /**
   * @param id 32 lowercase hex chars to join an existing distributed trace (the
   *   caller validates it, see `Tracer.startSpan` option `traceId`); default random.
   */
  constructor(startNs: number = nowNs(), id?: string, remoteParentId: string | null = null) {
    // W3C/OTel-compatible 16-byte hex id; random so ids from two processes never collide.
    this.id = id ?? pooledTraceId();
    this.startNs = startNs;
    this.remoteParentId = remoteParentId;
  }
}

export function errorToRecord(error: unknown): SpanError {
  if (error instanceof Error) {
    const record: SpanError = { name: error.name, message: error.message };
    if (error.stack !== undefined) record.stack = error.stack;
    return record;
  }
  let message: string;
  try {
    message = String(error);
  } catch {
    message = '[unprintable value]';
  }
  return { name: typeof error, message };
}
