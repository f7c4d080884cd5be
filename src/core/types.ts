/** Pipeline stages a span can belong to (DESIGN.md, "The run document"). */
export const STAGES = ['load', 'preprocess', 'detection', 'classification', 'recognition', 'postprocess'] as const;
export type Stage = (typeof STAGES)[number];

export function isStage(value: unknown): value is Stage {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value);
}

export type SpanStatus = 'ok' | 'error' | 'unfinished';

export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue>;
/** Numeric measurements; units are in the key (`heapUsedDeltaBytes`, `cpuUserNs`). */
export type Metrics = Record<string, number>;

export interface SpanError {
  name: string;
  message: string;
  stack?: string;
}

/** A finished (or still-open) span as stored in the run document. */
export interface SpanRecord {
  id: string;
  parentId: string | null;
  traceId: string;
  name: string;
  stage: Stage | null;
  /** `module#exportPath` of the target that produced the span, or null for manual spans. */
  target: string | null;
  /** Nanoseconds since the run (trace) start. */
  startNs: number;
  durationNs: number;
  /** Duration minus the union of the children's intervals (never negative). */
  selfNs: number;
  status: SpanStatus;
  error: SpanError | null;
  metrics: Metrics;
  attributes: Attributes;
  /**
   * Worker thread the span ran in (`worker_threads.threadId`). Absent for the
   * main thread of the process that wrote the document; set on spans merged in
   * from a Worker (docs/workers-and-processes.md).
   */
  threadId?: number;
  /** Process the span ran in. Absent for the process that wrote the document; set on spans merged in from a child process. */
  pid?: number;
}
