import { nowNs } from './clock.js';
import { pooledTraceId } from './trace-id.js';
import type { Attributes, AttributeValue, Metrics, SpanError, SpanStatus, Stage } from './types.js';

let nextSpanId = 1;

/**
 * A live span. Kept deliberately small: it is allocated on every wrapped call, so
 * fields are plain properties (no getters, no private fields) and maps are created
 * lazily.
 */
export class Span {
  /** Numeric id; the string form (`id`) is made only when someone reads it. */
  readonly idNumber: number;
  readonly parent: Span | null;
  readonly trace: Trace;
  name: string;
  stage: Stage | null;
  readonly target: string | null;
  /** Absolute `nowNs()` at start. */
  readonly startNs: number;
  /** Absolute `nowNs()` at end, or -1 while open. */
  endNs = -1;
  status: SpanStatus = 'unfinished';
  error: SpanError | null = null;
  metrics: Metrics | null = null;
  attributes: Attributes | null = null;
  /** Probe state captured at start, consumed at end. */
  probeState: unknown[] | null = null;

  constructor(trace: Trace, parent: Span | null, name: string, stage: Stage | null, target: string | null, startNs: number) {
    this.idNumber = nextSpanId++;
    this.trace = trace;
    this.parent = parent;
    this.name = name;
    this.stage = stage;
    this.target = target;
    this.startNs = startNs;
  }

  /** Span id, unique in the process (a string in the run document). */
  get id(): string {
    return String(this.idNumber);
  }

  setAttribute(key: string, value: AttributeValue): void {
    (this.attributes ??= {})[key] = value;
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
}

/**
 * One trace: a run of a script under a driver, or one HTTP request. Holds the
 * overhead accounting that the report's "OH" figure comes from.
 */
export class Trace {
  readonly id: string;
  readonly startNs: number;
  root: Span | null = null;
  /** Nanoseconds spent inside stagescope's wrappers for this trace. */
  overheadNs = 0;
  /** Wrapped calls recorded for this trace. */
  wrappedCalls = 0;
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
