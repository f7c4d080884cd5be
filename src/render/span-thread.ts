import type { SpanRecord } from '../core/types.js';

/**
 * The thread or process a span ran in, as a key: '' for the main thread of the
 * process that wrote the document, `<pid>/<threadId>` for a span merged in from
 * a worker thread or a child process (docs/workers-and-processes.md). The
 * Gantt chart and the Perfetto trace never put spans of two keys on one lane.
 */
export function threadKeyOf(span: Pick<SpanRecord, 'pid' | 'threadId'>): string {
  return span.pid === undefined && span.threadId === undefined ? '' : `${span.pid ?? ''}/${span.threadId ?? ''}`;
}

/** Where a span ran, for people ("worker thread 3", "process 4711", "process 4711, worker thread 2"); '' for the main thread. */
export function threadLabelOf(span: Pick<SpanRecord, 'pid' | 'threadId'>): string {
  const worker = span.threadId === undefined ? '' : `worker thread ${span.threadId}`;
  if (span.pid === undefined) return worker;
  return `process ${span.pid}${span.threadId ? `, ${worker}` : ''}`;
}
