import v8 from 'node:v8';
import { nowNs } from '../core/clock.js';
import { probeEdge } from '../core/probe.js';
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
 * which are few. A target of calls under 100 µs gets no readings per span at
 * all (`READINGS_MIN_NS`); one of calls between 100 µs and 1 ms gets CPU time
 * and heap deltas, one reading a span (`REUSE_WINDOW_NS`).
 */

/** A target whose recent calls average at least this long gets `/proc` readings (disk bytes, RSS, main-thread CPU). */
export const PROC_MIN_NS = 1e6;

/**
 * A target whose recent calls average under this gets no readings per span:
 * neither `getrusage` (CPU time, peak RSS) nor the V8 heap figures. Its spans
 * carry no CPU or memory metrics; their parent's figures hold their work.
 * Why: in a traced program, not a tight loop of them, one reading costs
 * several times what it takes alone. On this project's 2-core VM (page table
 * isolation on) a `getrusage` is a system call of 2.3–2.7 µs in a tight loop
 * and `v8.getHeapStatistics()` 0.3 µs, yet between the calls of a tiny
 * traced function they cost 5 µs and 1.5–2 µs a span (bench:cost row 7's loop,
 * Node 24, five pairs each): the code that runs after them has lost what the
 * caches and the TLB held. A call of 150 µs pays 4–6% for them (6 and 9 µs a
 * span, Node 24 and 22: bench:cost's reference row beside row 7), a call this
 * long up to a tenth, a 1 µs call several times its own length. The same
 * bound as the overhead budget's (`LONG_CALL_NS`): calls of 100 µs or more are
 * the model-sized calls a user came to see, and the budget never samples them.
 */
export const READINGS_MIN_NS = 100_000;

/**
 * A probe's state for a span that takes no readings (`readingsWorthy` false):
 * at its end the probe only notes its length (`keptAtEnd`), so a target
 * whose calls grow longer gets its readings back.
 */
export const NO_READINGS: unique symbol = Symbol('stagescope.no-readings');

/** Weight of the newest call in a target's running average duration. */
const AVERAGE_WEIGHT = 0.2;

const averageNsByTarget = new Map<string, number>();

/**
 * A span of a hot target (calls averaging under `PROC_MIN_NS`; those under
 * `READINGS_MIN_NS` read nothing) that starts soon after the last reading of a
 * kind does not read again: at most this long after it, or `REUSE_SHARE` of
 * the target's average call if that is longer. Why: in a traced program, not a
 * tight loop of them, each getrusage costs several µs (most of it the system
 * call's cold caches), and a hot target's span may start a few µs after the
 * previous one ended: two reads per span become one.
 *
 * The start value is then the last reading moved forward by the wall time
 * since, as user CPU time of the main thread (what the code between two calls
 * of a hot loop is), so a span's CPU time does not also count the gap before
 * it. What it costs in accuracy: the gap's CPU time that was not the main
 * thread's user time (other threads', the kernel's), or that the main thread
 * did not spend (it waited): at most the gap per thread, so at most 5 µs, or a
 * twentieth of the target's average call, each; for memory, the bytes
 * allocated in the gap. Spans of slower targets (where one more read is noise)
 * and spans made by hand always read.
 */
export const REUSE_WINDOW_NS = 5_000;

/** The share of a target's average call that the reuse window may span (see `REUSE_WINDOW_NS`). */
export const REUSE_SHARE = 0.05;

/** One kind of reading, taken once per span edge; a hot span's start may be the last reading, moved forward. */
class SharedReading<T> {
  #span: Span | null = null;
  #edge: 0 | 1 = 0;
  #value: T | null = null;
  /** The last real reading and when it was taken (ns on stagescope's clock, read as the read returned). */
  #read: T | null = null;
  #readAtNs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly take: () => T,
    private readonly advance: (reading: T, elapsedNs: number) => T,
  ) {}

  at(span: Span, edge: 0 | 1): T {
    if (this.#value !== null && this.#span === span && this.#edge === edge) return this.#value;
    // The clock, not the span's own times: probes run before the span's start
    // is stamped and before its end is (their cost stays outside its duration).
    // Inside a tracer's span edge, its reading before the probes serves
    // (probeEdge: four clock readings a span fewer); called on its own
    // (tests), a reading of our own.
    const atNs = probeEdge.atNs >= 0 ? probeEdge.atNs : nowNs();
    const elapsedNs = atNs - this.#readAtNs;
    if (edge === 0 && this.#read !== null && elapsedNs >= 0 && !procWorthy(span) && elapsedNs <= Math.max(REUSE_WINDOW_NS, REUSE_SHARE * averageCallNs(span))) {
      this.#value = this.advance(this.#read, elapsedNs);
    } else {
      this.#read = this.take();
      // The gap is counted from when the read returned, not from before it: a
      // getrusage is itself 1–3 µs (a system call; 2.3–2.7 µs on a VM with page
      // table isolation), and counted in, it alone used up most of the window,
      // so that a hot loop's spans read at both edges (docs/probes.md).
      this.#readAtNs = nowNs();
      this.#value = this.#read;
    }
    this.#span = span;
    this.#edge = edge;
    return this.#value;
  }

  reset(): void {
    this.#span = null;
    this.#value = null;
    this.#read = null;
    this.#readAtNs = Number.NEGATIVE_INFINITY;
  }
}

/** What the probes use of a `getrusage` reading: CPU times in µs, peak RSS in KiB (Node's units). */
export interface UsageReading {
  readonly userUs: number;
  readonly systemUs: number;
  readonly maxRssKiB: number;
}

const usage = new SharedReading<UsageReading>(
  () => {
    const reading = process.resourceUsage();
    return { userUs: reading.userCPUTime, systemUs: reading.systemCPUTime, maxRssKiB: reading.maxRSS };
  },
  // Three fields, not the 16 of a ResourceUsage: this runs at every hot span's start.
  (reading, elapsedNs) => ({ userUs: reading.userUs + elapsedNs / 1000, systemUs: reading.systemUs, maxRssKiB: reading.maxRssKiB }),
);
const heap = new SharedReading(
  () => {
    const statistics = v8.getHeapStatistics();
    // external_memory is missing from getHeapStatistics() on older Node 20 releases: then no external metric
    return { usedBytes: statistics.used_heap_size, externalBytes: (statistics as v8.HeapInfo & { external_memory?: number }).external_memory ?? Number.NaN };
  },
  (reading) => reading,
);

/**
 * `process.resourceUsage()` for this span edge (0 start, 1 end), read once
 * whichever probe asks first (see `REUSE_WINDOW_NS` for a hot span's start).
 */
export function usageAt(span: Span, edge: 0 | 1): UsageReading {
  return usage.at(span, edge);
}

/** V8 heap in use and external memory for this span edge, shared like `usageAt`. */
export function heapAt(span: Span, edge: 0 | 1): { usedBytes: number; externalBytes: number } {
  return heap.at(span, edge);
}

let averageSpan: Span | null = null;
/** The recent average call length of `averageSpan`'s target, ns; +Infinity when unknown (spans made by hand, a target's first call). */
let averageAnswerNs = Number.POSITIVE_INFINITY;

/** The recent average length of the calls of a span's target (one Map lookup per span, shared by the probes). */
function averageCallNs(span: Span): number {
  if (span !== averageSpan) {
    averageSpan = span;
    const target = span.target;
    averageAnswerNs = (target === null ? undefined : averageNsByTarget.get(target)) ?? Number.POSITIVE_INFINITY;
  }
  return averageAnswerNs;
}

/**
 * Should this span's probes read `/proc`? Asked at its start: a probe keeps the
 * answer in its state for the end (a nested span may have changed the average).
 */
export function procWorthy(span: Span): boolean {
  return averageCallNs(span) >= PROC_MIN_NS;
}

/** Should this span's probes take readings (CPU time, memory)? Asked at its start, like `procWorthy` (see `READINGS_MIN_NS`). */
export function readingsWorthy(span: Span): boolean {
  return averageCallNs(span) >= READINGS_MIN_NS;
}

/**
 * Is this span its target's first call (no length known yet, so it is read in
 * full)? Asked at its start. At its end, a probe keeps only the figures its
 * length warrants (`keptAtEnd`): a 30 µs first call read "cpu 401%" (the other
 * threads' CPU over a few µs) where the target's later calls show nothing.
 */
export function firstCallOfTarget(span: Span): boolean {
  return span.target !== null && averageCallNs(span) === Number.POSITIVE_INFINITY;
}

/** What a probe keeps of a span's readings at its end (`keptAtEnd`). */
export const KEEP_NONE = 0;
export const KEEP_READINGS = 1; // CPU time and memory, no `/proc` figures
export const KEEP_ALL = 2;

/**
 * A probe's end edge: notes the span's length (its target's running average)
 * and says what to keep of what its start read. Every span keeps all of it but
 * a target's first call (`firstCall`, from `firstCallOfTarget` at its start),
 * which keeps what its own length warrants by the tiers: nothing under
 * `READINGS_MIN_NS`, no `/proc` figures under `PROC_MIN_NS`.
 */
export function keptAtEnd(span: Span, firstCall: boolean): typeof KEEP_NONE | typeof KEEP_READINGS | typeof KEEP_ALL {
  if (span.endNs < 0) return KEEP_ALL;
  const durationNs = span.endNs - span.startNs;
  noteSpanLength(span, durationNs);
  if (!firstCall) return KEEP_ALL;
  return durationNs < READINGS_MIN_NS ? KEEP_NONE : durationNs < PROC_MIN_NS ? KEEP_READINGS : KEEP_ALL;
}

let lengthSpan: Span | null = null;

/** Note how long a span of a target took (once per span, whichever probe ends first). */
function noteSpanLength(span: Span, durationNs: number): void {
  if (span === lengthSpan || span.target === null) return;
  lengthSpan = span;
  const previous = averageNsByTarget.get(span.target);
  averageNsByTarget.set(span.target, previous === undefined ? durationNs : previous + AVERAGE_WEIGHT * (durationNs - previous));
}

/** Forget what was learnt about targets (tests). */
export function resetSpanLengths(): void {
  averageNsByTarget.clear();
  averageSpan = null;
  lengthSpan = null;
  usage.reset();
  heap.reset();
}
