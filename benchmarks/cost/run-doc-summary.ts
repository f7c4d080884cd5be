/**
 * What bench:cost needs from a traced child's run document (`stagescope.run/1`),
 * read defensively from parsed JSON rather than through stagescope's types: the
 * document is growing (issue 9 adds start-up and AsyncLocalStorage figures) and
 * this benchmark must keep measuring while it does.
 */
export interface RunDocSummary {
  overheadNs: number | null;
  wrappedCalls: number | null;
  durationNs: number | null;
  droppedSpans: number;
  spans: number;
  /** Span count per `target` (root excluded): how many calls of each target were kept. */
  spansByTarget: Record<string, number>;
  /** Every top-level numeric field whose name ends in `Ns`: new figures show up here without a code change. */
  reportedNs: Record<string, number>;
  /** The numeric fields of the document's `overhead` breakdown whose name ends in `Ns` (`wrapperNs`, `hooksNs`, …). */
  overheadPartsNs: Record<string, number>;
  /**
   * `overhead.asyncContext.estimatedNs`: the process's AsyncLocalStorage cost
   * where it is paid per async resource (Node < 24), not part of `overheadNs`;
   * 0 where the document has none (Node 24's AsyncContextFrame, older documents).
   */
  asyncContextNs: number;
  /** A start-up figure, if the document reports one: where it was found and its value. */
  startup: { path: string; ns: number } | null;
  /** The overhead budget's decisions, as the document gives them. */
  adaptive: unknown[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** ns from a field named like `startupNs`, `startupMs`, `startup: { durationNs }`; null if it is none of these. */
function startupValueNs(key: string, value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) {
    if (/ns$/i.test(key)) return value;
    if (/ms$/i.test(key)) return value * 1e6;
    return null;
  }
  if (isObject(value)) return numberOrNull(value.durationNs);
  return null;
}

/**
 * Look for a start-up figure: any key containing "startup" (case-insensitive)
 * in the document outside its span list, or in the root span's attributes and
 * metrics (the issue asks for it on the root line).
 */
function findStartup(doc: Record<string, Json>): { path: string; ns: number } | null {
  const search = (value: unknown, path: string, depth: number): { path: string; ns: number } | null => {
    if (!isObject(value) || depth > 3) return null;
    for (const [key, child] of Object.entries(value)) {
      if (key === 'spans' || key === 'samples') continue;
      if (/startup|start_up|start-up/i.test(key)) {
        const ns = startupValueNs(key, child);
        if (ns !== null) return { path: `${path}.${key}`, ns };
      }
      const deeper = search(child, `${path}.${key}`, depth + 1);
      if (deeper !== null) return deeper;
    }
    return null;
  };
  const found = search(doc, 'doc', 0);
  if (found !== null) return found;
  const spans = Array.isArray(doc.spans) ? doc.spans : [];
  const root = spans.find((span) => isObject(span) && span.parentId === null);
  if (isObject(root)) return search({ attributes: root.attributes ?? null, metrics: root.metrics ?? null }, 'root', 0);
  return null;
}

export function summarizeRunDoc(value: unknown, file: string): RunDocSummary {
  if (!isObject(value)) throw new Error(`${file}: not a JSON object`);
  if (value.format !== 'stagescope.run/1') throw new Error(`${file}: format is ${JSON.stringify(value.format)}, expected "stagescope.run/1"`);
  const spans = Array.isArray(value.spans) ? value.spans : [];
  const spansByTarget: Record<string, number> = {};
  for (const span of spans) {
    if (!isObject(span) || span.parentId === null) continue;
    const target = typeof span.target === 'string' ? span.target : '(no target)';
    spansByTarget[target] = (spansByTarget[target] ?? 0) + 1;
  }
  const reportedNs: Record<string, number> = {};
  for (const [key, field] of Object.entries(value)) {
    if (/Ns$/.test(key) && typeof field === 'number') reportedNs[key] = field;
  }
  const overheadPartsNs: Record<string, number> = {};
  if (isObject(value.overhead)) {
    for (const [key, field] of Object.entries(value.overhead)) {
      if (/Ns$/.test(key) && typeof field === 'number' && Number.isFinite(field)) overheadPartsNs[key] = field;
    }
  }
  const asyncContext = isObject(value.overhead) && isObject(value.overhead.asyncContext) ? value.overhead.asyncContext : null;
  return {
    asyncContextNs: numberOrNull(asyncContext?.estimatedNs) ?? 0,
    overheadNs: numberOrNull(value.overheadNs),
    wrappedCalls: numberOrNull(value.wrappedCalls),
    durationNs: numberOrNull(value.durationNs),
    droppedSpans: numberOrNull(value.droppedSpans) ?? 0,
    spans: spans.length,
    spansByTarget,
    reportedNs,
    overheadPartsNs,
    startup: findStartup(value),
    adaptive: Array.isArray(value.adaptive) ? value.adaptive : [],
  };
}

/** Spans kept of the targets whose id matches `pattern`. */
export function keptSpans(summary: RunDocSummary, pattern: RegExp): number {
  let kept = 0;
  for (const [target, count] of Object.entries(summary.spansByTarget)) if (pattern.test(target)) kept += count;
  return kept;
}
