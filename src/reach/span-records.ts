import type { Span } from '../core/span.js';
import type { SpanRecord } from '../core/types.js';

/**
 * A live span as a record for shipping to another thread: times relative to
 * `rootStartNs`, ids with `prefix` so they stay unique in the receiving run,
 * parent kept as is (the receiver re-attaches what it cannot find). Self time is
 * left 0: the receiver computes it after merging.
 */
export function shippedRecord(span: Span, rootStartNs: number, prefix: string, atNs: number, threadId: number | undefined): SpanRecord {
  const ended = span.endNs >= 0;
  const record: SpanRecord = {
    id: prefix + span.id,
    parentId: span.parent === null ? null : prefix + span.parent.id,
    traceId: span.trace.id,
    name: span.name,
    stage: span.stage,
    target: span.target,
    startNs: span.startNs - rootStartNs,
    durationNs: Math.max(0, (ended ? span.endNs : atNs) - span.startNs),
    selfNs: 0,
    status: ended ? span.status : 'unfinished',
    error: span.error,
    metrics: span.metrics === null ? {} : { ...span.metrics },
    attributes: span.attributes === null ? {} : { ...span.attributes },
  };
  if (threadId !== undefined) record.threadId = threadId;
  return record;
}

/** Prefix every id of already-built records (a child process ships its whole document). */
export function prefixRecords(records: readonly SpanRecord[], prefix: string): SpanRecord[] {
  return records.map((record) => ({ ...record, id: prefix + record.id, parentId: record.parentId === null ? null : prefix + record.parentId }));
}
