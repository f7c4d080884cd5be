import { selfTime, type ReachSource, type RunDocument } from '../core/run-document.js';
import type { SpanRecord } from '../core/types.js';
import type { ReachBatch } from './foreign-run.js';

/** One source's batches, combined, with its shift onto the receiving run's clock. */
export interface ForeignRun {
  batches: ReachBatch[];
  /** Add to every span's startNs: source root start minus receiving root start. */
  shiftNs: number;
  /** When the receiving thread saw the worker's thread stop (ns since the run start), if it did. */
  exit?: { atNs: number; exitCode: number };
}

/**
 * Merge the spans of workers and child processes into a finished run document
 * (in place). Each source's root becomes a child of the span it was started
 * under (`parentSpanId`; the run's root when that span is not in the document,
 * marked `orphaned`), renamed `worker <file>` / `process <command>`. Spans keep
 * their `threadId`/`pid`. A source that never sent its final batch (a
 * terminated worker, a killed child) keeps what it sent: its root is
 * `unfinished` and ends with its last span. Self times are recomputed for the
 * whole document, since merged children change their parents' self time.
 */
export function mergeForeignRuns(doc: RunDocument, runs: readonly ForeignRun[]): void {
  const rootRecord = doc.spans.find((span) => span.parentId === null);
  const ids = new Set(doc.spans.map((span) => span.id));
  const roots: SpanRecord[] = [];
  const seenDiagnostics = new Set(doc.diagnostics.map((d) => `${d.code}\u0000${d.message}`));
  for (const run of runs) {
    const first = run.batches[0];
    if (first === undefined) continue;
    // Later batches carry newer versions of a span (the root ends last): keep the latest.
    const byId = new Map<string, SpanRecord>();
    for (const batch of run.batches) for (const span of batch.spans) byId.set(span.id, span);
    const final = run.batches.find((batch) => batch.final);
    const records = [...byId.values()].map((span) => ({
      ...span,
      startNs: span.startNs + run.shiftNs,
      attributes: { ...span.attributes },
      metrics: { ...span.metrics },
    }));
    for (const record of records) {
      if (first.kind === 'worker') record.threadId ??= first.threadId;
      else record.pid ??= first.pid;
    }
    let root = records.find((record) => record.id === first.rootId);
    if (root === undefined) {
      root = {
        id: first.rootId,
        parentId: null,
        traceId: rootRecord?.traceId ?? '',
        name: 'run',
        stage: null,
        target: null,
        startNs: run.shiftNs,
        durationNs: 0,
        selfNs: 0,
        status: 'unfinished',
        error: null,
        metrics: {},
        attributes: {},
      };
      if (first.kind === 'worker') root.threadId = first.threadId;
      else root.pid = first.pid;
      records.unshift(root);
    }
    const localIds = new Set(records.map((record) => record.id));
    for (const record of records) {
      if (record === root) continue;
      if (record.parentId === null || !localIds.has(record.parentId)) {
        record.parentId = root.id;
        record.attributes.orphaned = true;
      }
    }
    if (root.status === 'unfinished') {
      const lastEndNs = Math.max(root.startNs + root.durationNs, ...records.map((record) => record.startNs + record.durationNs));
      root.durationNs = lastEndNs - root.startNs;
      if (run.exit !== undefined && final === undefined) {
        // The thread stopped without running its exit handler: worker.terminate().
        root.durationNs = Math.max(root.durationNs, run.exit.atNs - root.startNs);
        root.status = 'ok';
        root.attributes.terminated = true;
        root.attributes.exitCode = run.exit.exitCode;
      }
    }
    root.name = `${first.kind} ${first.label}`.trim();
    root.attributes.pid = first.pid;
    if (first.kind === 'worker') root.attributes.threadId = first.threadId;
    root.parentId = first.parentSpanId; // checked below, once every source's spans are in
    roots.push(root);
    if (rootRecord !== undefined) for (const record of records) record.traceId = rootRecord.traceId;
    for (const record of records) {
      if (ids.has(record.id)) continue; // never let a foreign span replace one of ours
      ids.add(record.id);
      doc.spans.push(record);
    }
    // Totals are cumulative per batch: the largest is the latest.
    doc.overheadNs += Math.max(0, ...run.batches.map((batch) => batch.overheadNs ?? 0));
    doc.wrappedCalls += Math.max(0, ...run.batches.map((batch) => batch.wrappedCalls ?? 0));
    if (final !== undefined) {
      doc.droppedSpans += final.droppedSpans ?? 0;
      for (const diagnostic of final.diagnostics ?? []) {
        const key = `${diagnostic.code}\u0000${diagnostic.message}`;
        if (seenDiagnostics.has(key)) continue; // four pool workers report the same missing target once
        seenDiagnostics.add(key);
        doc.diagnostics.push({ code: diagnostic.code, message: `(in ${first.kind} ${first.label}) ${diagnostic.message}` });
      }
    }
    const source: ReachSource = {
      kind: first.kind,
      rootId: root.id,
      pid: first.pid,
      threadId: first.threadId,
      label: first.label,
      complete: final !== undefined,
    };
    (doc.reach ??= []).push(source);
  }
  // A nested worker's parent is a span of the worker that started it, which may have
  // reported later than the nested one: resolve parents after all sources are merged.
  for (const root of roots) {
    if (root.parentId !== null && ids.has(root.parentId) && root.parentId !== root.id) continue;
    root.parentId = rootRecord?.id ?? null;
    root.attributes.orphaned = true;
  }
  recomputeSelfTimes(doc.spans);
}

function recomputeSelfTimes(spans: SpanRecord[]): void {
  const childrenOf = new Map<string, SpanRecord[]>();
  for (const span of spans) {
    if (span.parentId === null) continue;
    let siblings = childrenOf.get(span.parentId);
    if (siblings === undefined) childrenOf.set(span.parentId, (siblings = []));
    siblings.push(span);
  }
  for (const span of spans) span.selfNs = selfTime(span, childrenOf.get(span.id) ?? []);
}
