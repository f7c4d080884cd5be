import type { RunDocument } from '../core/run-document.js';
import type { StageKey } from './palette.js';

/** Summed self time of one stage. */
export interface StageTotal {
  stage: StageKey;
  selfNs: number;
  spans: number;
}

/**
 * Self time summed per stage, biggest first — "which stage is slow" in one
 * list. Self time, not duration: a parent and its child of the same stage are
 * not counted twice. Concurrent spans each count (work, not wall time).
 * Spans without a stage are left out unless `includeNone` is set.
 */
export function stageTotals(doc: Pick<RunDocument, 'spans'>, includeNone = false): StageTotal[] {
  const totals = new Map<StageKey, StageTotal>();
  for (const span of doc.spans) {
    const stage: StageKey = span.stage ?? 'none';
    if (stage === 'none' && !includeNone) continue;
    let total = totals.get(stage);
    if (total === undefined) totals.set(stage, (total = { stage, selfNs: 0, spans: 0 }));
    total.selfNs += span.selfNs;
    total.spans += 1;
  }
  return [...totals.values()].sort((a, b) => b.selfNs - a.selfNs || (a.stage < b.stage ? -1 : 1));
}
