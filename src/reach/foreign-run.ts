import type { RunDiagnostic } from '../core/run-document.js';
import type { SpanRecord } from '../core/types.js';

/**
 * Spans of one worker thread or child process on their way to the run that
 * started it. Times are ns since the source's root span started; the source's
 * root start is given in monotonic ns (reach/mono-clock.ts) so the receiver
 * can line them up with its own run. Span ids are already unique in the
 * receiving document (a worker prefixes `w<threadId>:`, the receiver prefixes a
 * child process's ids with `p<pid>:`).
 */
export interface ReachBatch {
  format: 'stagescope.reach/1';
  linkId: string;
  kind: 'worker' | 'process';
  pid: number;
  threadId: number;
  label: string;
  /** Id of the source's root span (in the receiving document's id space). */
  rootId: string;
  /** Span id in the receiver that the source was started under. */
  parentSpanId: string;
  /** The source root's start, monotonic ns (decimal string). */
  rootStartMonotonicNs: string;
  spans: SpanRecord[];
  /** True on the source's last batch (its run ended normally). */
  final: boolean;
  /** On the final batch. */
  diagnostics?: RunDiagnostic[];
  overheadNs?: number;
  wrappedCalls?: number;
  droppedSpans?: number;
}

export function isReachBatch(value: unknown): value is ReachBatch {
  const batch = value as Partial<ReachBatch> | null;
  return (
    batch !== null &&
    typeof batch === 'object' &&
    batch.format === 'stagescope.reach/1' &&
    typeof batch.linkId === 'string' &&
    typeof batch.rootId === 'string' &&
    typeof batch.parentSpanId === 'string' &&
    typeof batch.rootStartMonotonicNs === 'string' &&
    Array.isArray(batch.spans)
  );
}
