import type { Span } from '../core/span.js';

/**
 * Readings that several per-span probes share, taken once per span edge, and
 * which spans are worth a `/proc` read.
 *
 * Why: per-span probe cost was dominated by `/proc` reads (statm, io, schedstat:
 * ~3–10 µs each, twice per span) and by two getrusage-style calls (the CPU probe's
 * `process.cpuUsage()` and the memory probe's `process.resourceUsage()`, ~1 µs
 * each). Now one `process.resourceUsage()` per span edge serves both (user and
 * system CPU time, peak RSS), and `/proc` is read only for spans that last long
 * enough for its figures to matter: spans of a target whose calls usually take
 * `PROC_MIN_NS` or more, and spans made by hand (`tracer.trace`, a run's root),
 * which are few. A hot target of short calls gets CPU time and heap deltas only.
 */

/** A target whose recent calls average at least this long gets `/proc` readings (disk bytes, RSS, main-thread CPU). */
export const PROC_MIN_NS = 1e6;

/** Weight of the newest call in a target's running average duration. */
const AVERAGE_WEIGHT = 0.2;

const averageNsByTarget = new Map<string, number>();

let usageSpan: Span | null = null;
let usageEdge: 0 | 1 = 0;
let usage: NodeJS.ResourceUsage | null = null;

/**
 * `process.resourceUsage()` for this span edge (0 start, 1 end), read once
 * whichever probe asks first. Times are µs, maxRSS KiB (Node's units).
 */
export function usageAt(span: Span, edge: 0 | 1): NodeJS.ResourceUsage {
  if (usage === null || usageSpan !== span || usageEdge !== edge) {
    usage = process.resourceUsage();
    usageSpan = span;
    usageEdge = edge;
  }
  return usage;
}

let worthSpan: Span | null = null;
let worthAnswer = true;

/** Should this span's probes read `/proc`? Decided once per span, at its start. */
export function procWorthy(span: Span): boolean {
  if (span !== worthSpan) {
    worthSpan = span;
    const target = span.target;
    const average = target === null ? undefined : averageNsByTarget.get(target);
    worthAnswer = average === undefined || average >= PROC_MIN_NS;
  }
  return worthAnswer;
}

let lengthSpan: Span | null = null;

/** Note how long a span of a target took (once per span, whichever probe ends first). */
export function noteSpanLength(span: Span, durationNs: number): void {
  if (span === lengthSpan || span.target === null) return;
  lengthSpan = span;
  const previous = averageNsByTarget.get(span.target);
  averageNsByTarget.set(span.target, previous === undefined ? durationNs : previous + AVERAGE_WEIGHT * (durationNs - previous));
}

/** Forget what was learnt about targets (tests). */
export function resetSpanLengths(): void {
  averageNsByTarget.clear();
  worthSpan = null;
  lengthSpan = null;
  usageSpan = null;
  usage = null;
}
