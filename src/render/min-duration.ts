import type { RunDocument } from '../core/run-document.js';
import { settingError } from '../core/bad-value.js';
import type { SpanRecord } from '../core/types.js';
import { optionError } from '../core/errors.js';

/** A threshold as written: an absolute duration, or a share of the run. */
export type MinDuration = { kind: 'ns'; ns: number } | { kind: 'share'; share: number };

/** Attribute keys a parent gets for the short spans folded into it. */
export const HIDDEN_SPANS_KEY = 'stagescope.hidden.spans';
export const HIDDEN_NS_KEY = 'stagescope.hidden.ns';

const UNITS_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 };

/** What a threshold may be, in every message about one (flag, env var or option). */
export const MIN_DURATION_EXPECTED = 'a duration (800ns, 250us, 1ms, 0.5s) or a share of the run (5%)';

/**
 * Parse a threshold: `1ms`, `250us`, `0.5s`, `800ns` or a share of the run
 * (`5%`). A bad value throws a `StagescopeError` (`SS_ERR_OPTION_INVALID`)
 * naming `option` and the accepted forms.
 *
 * @example parseMinDuration('1ms', '--min-duration') // { kind: 'ns', ns: 1e6 }
 */
export function parseMinDuration(text: string, option: string): MinDuration {
  const trimmed = text.trim();
  const share = /^(\d+(?:\.\d+)?)\s*%$/.exec(trimmed);
  if (share !== null) {
    const value = Number(share[1]) / 100;
    if (value > 1) throw optionError(`${option} as a share of the run must be at most 100%, got "${text}"`);
    return { kind: 'share', share: value };
  }
  const duration = /^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s)$/.exec(trimmed);
  if (duration === null) throw settingError(option, MIN_DURATION_EXPECTED, text);
  return { kind: 'ns', ns: Number(duration[1]) * UNITS_NS[duration[2]!]! };
}

/** The threshold in ns for this run (a share is taken of the run's duration). */
export function resolveMinDurationNs(threshold: MinDuration, doc: Pick<RunDocument, 'durationNs' | 'spans'>): number {
  if (threshold.kind === 'ns') return threshold.ns;
  const runNs = doc.durationNs > 0 ? doc.durationNs : doc.spans.reduce((max, span) => Math.max(max, span.startNs + span.durationNs), 0);
  return threshold.share * runNs;
}

/** Readable form of a threshold for notes: "1.0 ms" or "5% of the run". */
export function describeMinDuration(threshold: MinDuration, format: (ns: number) => string): string {
  return threshold.kind === 'ns' ? format(threshold.ns) : `${+(threshold.share * 100).toFixed(3)}% of the run`;
}

/**
 * A view of the run without the spans shorter than `minNs` (HiQ's latency
 * filter): each hidden span goes with its whole subtree, and its parent
 * records how many spans were folded into it and their summed duration (the
 * attributes {@link HIDDEN_SPANS_KEY} and {@link HIDDEN_NS_KEY}), so the text
 * tree can say so on the parent's line and no time silently disappears.
 * Roots always stay. Self times are unchanged. Linear; the input is not modified.
 */
export function hideShortSpans(doc: RunDocument, minNs: number): { doc: RunDocument; hidden: number } {
  if (!(minNs > 0)) return { doc, hidden: 0 };
  const byId = new Map(doc.spans.map((span) => [span.id, span]));
  const children = new Map<string, SpanRecord[]>();
  for (const span of doc.spans) {
    if (span.parentId === null || !byId.has(span.parentId)) continue;
    let list = children.get(span.parentId);
    if (list === undefined) children.set(span.parentId, (list = []));
    list.push(span);
  }
  const hiddenIds = new Set<string>();
  const folded = new Map<string, { spans: number; ns: number }>();
  // Top-down from the roots: a short span is hidden with its subtree and counted on its parent.
  const walk = doc.spans.filter((span) => span.parentId === null || !byId.has(span.parentId));
  for (let parent = walk.pop(); parent !== undefined; parent = walk.pop()) {
    for (const child of children.get(parent.id) ?? []) {
      if (child.durationNs >= minNs) {
        walk.push(child);
        continue;
      }
      let count = 0;
      const stack = [child];
      for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
        hiddenIds.add(next.id);
        count += 1;
        for (const grandchild of children.get(next.id) ?? []) stack.push(grandchild);
      }
      const entry = folded.get(parent.id) ?? { spans: 0, ns: 0 };
      entry.spans += count;
      entry.ns += child.durationNs;
      folded.set(parent.id, entry);
    }
  }
  if (hiddenIds.size === 0) return { doc, hidden: 0 };
  const spans: SpanRecord[] = [];
  for (const span of doc.spans) {
    if (hiddenIds.has(span.id)) continue;
    const entry = folded.get(span.id);
    spans.push(entry === undefined ? span : { ...span, attributes: { ...span.attributes, [HIDDEN_SPANS_KEY]: entry.spans, [HIDDEN_NS_KEY]: entry.ns } });
  }
  return { doc: { ...doc, spans }, hidden: hiddenIds.size };
}
