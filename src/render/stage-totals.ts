import type { RunDocument } from '../core/run-document.js';
import type { SpanRecord, Stage } from '../core/types.js';
import type { StageKey } from './palette.js';

/** Summed self time of one stage. */
export interface StageTotal {
  stage: StageKey;
  selfNs: number;
  spans: number;
}

/**
 * The stage a span's time belongs to: its own, else its nearest ancestor's (an
 * onnxruntime op span inside a recognition run is recognition work), else null.
 */
export function effectiveStages(doc: Pick<RunDocument, 'spans'>): Map<string, Stage | null> {
  const byId = new Map(doc.spans.map((span) => [span.id, span]));
  const result = new Map<string, Stage | null>();
  const resolve = (span: SpanRecord): Stage | null => {
    const known = result.get(span.id);
    if (known !== undefined) return known;
    // Walk up iteratively (deep trees), then fill in the path.
    const path: SpanRecord[] = [];
    let stage: Stage | null = null;
    // A step bound instead of a visited set: no allocation per span (100k+ spans), still safe on a parent cycle.
    let steps = 0;
    for (
      let current: SpanRecord | undefined = span;
      current !== undefined && steps <= byId.size;
      current = current.parentId === null ? undefined : byId.get(current.parentId)
    ) {
      steps += 1;
      const cached = result.get(current.id);
      if (cached !== undefined) {
        stage = cached;
        break;
      }
      if (current.stage !== null) {
        stage = current.stage;
        result.set(current.id, stage);
        break;
      }
      path.push(current);
    }
    for (const entry of path) result.set(entry.id, stage);
    return stage;
  };
  for (const span of doc.spans) resolve(span);
  return result;
}

/**
 * Self time summed per stage, biggest first — "which stage is slow" in one
 * list. Self time, not duration: a parent and its child of the same stage are
 * not counted twice. A span without a stage counts for its nearest ancestor's
 * stage ({@link effectiveStages}). Concurrent spans each count (work, not wall
 * time). Time of no stage is left out unless `includeNone` is set.
 */
export function stageTotals(
  doc: Pick<RunDocument, 'spans'>,
  includeNone = false,
  stages: ReadonlyMap<string, Stage | null> = effectiveStages(doc),
): StageTotal[] {
  const totals = new Map<StageKey, StageTotal>();
  for (const span of doc.spans) {
    const stage: StageKey = stages.get(span.id) ?? 'none';
    if (stage === 'none' && !includeNone) continue;
    let total = totals.get(stage);
    if (total === undefined) totals.set(stage, (total = { stage, selfNs: 0, spans: 0 }));
    total.selfNs += span.selfNs;
    total.spans += 1;
  }
  return [...totals.values()].sort((a, b) => b.selfNs - a.selfNs || (a.stage < b.stage ? -1 : 1));
}
