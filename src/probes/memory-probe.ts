import type { SpanProbe } from '../core/probe.js';
import type { Span } from '../core/span.js';
import { ProcFile, statmPageBytes } from './proc-file.js';
import { firstCallOfTarget, heapAt, KEEP_ALL, KEEP_NONE, keptAtEnd, NO_READINGS, procWorthy, readingsWorthy, usageAt } from './per-span-readings.js';
import { isRetroactive } from './retroactive.js';

export interface MemoryProbeOptions {
  /**
   * Record the RSS change (`rssDeltaBytes`). Default: true on Linux, where RSS is
   * read from `/proc/self/statm` on a kept descriptor (~2 µs); false elsewhere,
   * where the only source is `process.memoryUsage.rss()` (~14 µs here). Passing
   * true off Linux uses that slower source.
   */
  rss?: boolean;
  /**
   * Record `rssPeakBytes` when a span raises the process's peak RSS (getrusage
   * `ru_maxrss`, ~1 µs per read). Default true.
   */
  peak?: boolean;
}

/**
 * Memory per span, from the cheapest exact sources measured on Node 20:
 *
 * - `heapUsedDeltaBytes`: V8 heap in use at end minus at start
 *   (`v8.getHeapStatistics().used_heap_size`, ~0.5 µs). Net of any GC inside
 *   the span, so it can be negative; it is what the span left on the JS heap.
 * - `externalDeltaBytes`: change of V8 "external" memory
 *   (`getHeapStatistics().external_memory`, same call): ArrayBuffer and Buffer
 *   backing stores (image buffers, tensors' data) plus other external
 *   allocations V8 is told about. It is the `external` of
 *   `process.memoryUsage()` (which includes `arrayBuffers`) without the ~10 µs
 *   RSS read that call does.
 * - `rssDeltaBytes`: resident set size change, whole process: also native
 *   memory V8 never sees (onnxruntime sessions, sharp/libvips caches). A
 *   `/proc` read: only on spans worth one (targets whose calls average ≥ 1 ms,
 *   and spans made by hand; see `per-span-readings.ts`).
 * - `rssPeakBytes`: only on spans during which the process's all-time peak RSS
 *   rose; the value is the new peak. A span without it did not set a new peak.
 *
 * All values are process-wide deltas over the span's interval, so a parent
 * includes its children, and concurrent spans see each other's allocations.
 * Spans of a target whose calls average under 100 µs get none of them
 * (`READINGS_MIN_NS` in per-span-readings.ts: the readings cost several µs in
 * a traced program); their parent's figures hold their allocations.
 */
export class MemoryProbe implements SpanProbe {
  readonly name = 'memory';
  readonly selfContained = true;
  readonly #statm: ProcFile | null;
  readonly #pageBytes: number;
  readonly #rss: boolean;
  readonly #peak: boolean;

  constructor(options: MemoryProbeOptions = {}) {
    this.#statm = options.rss === false ? null : ProcFile.open('/proc/self/statm', 256);
    this.#rss = options.rss ?? this.#statm !== null;
    this.#peak = options.peak ?? true;
    this.#pageBytes = this.#statm === null ? 4096 : statmPageBytes(this.#statm);
  }

  start(span: Span): Float64Array | typeof NO_READINGS | null {
    if (isRetroactive(span)) return null;
    if (!readingsWorthy(span)) return NO_READINGS;
    // [heap, external, rss, peak, first call of its target (1/0)]
    const state = new Float64Array(5);
    this.#read(state, span, 0, procWorthy(span));
    state[4] = firstCallOfTarget(span) ? 1 : 0;
    return state;
  }

  end(span: Span, state: unknown): void {
    if (state === null) return; // a span made after the fact: nothing observed
    const before = state === NO_READINGS ? null : (state as Float64Array);
    const keep = keptAtEnd(span, before?.[4] === 1);
    if (before === null || keep === KEEP_NONE) return;
    const after = new Float64Array(4);
    this.#read(after, span, 1, before[2]! >= 0 && keep === KEEP_ALL);
    span.setMetric('heapUsedDeltaBytes', after[0]! - before[0]!);
    if (!Number.isNaN(after[1]!)) span.setMetric('externalDeltaBytes', after[1]! - before[1]!);
    if (this.#rss && after[2]! >= 0 && before[2]! >= 0) span.setMetric('rssDeltaBytes', after[2]! - before[2]!);
    if (this.#peak && after[3]! > before[3]!) span.setMetric('rssPeakBytes', after[3]!);
  }

  #read(into: Float64Array, span: Span, edge: 0 | 1, readProc: boolean): void {
    const heap = heapAt(span, edge);
    into[0] = heap.usedBytes;
    into[1] = heap.externalBytes;
    into[2] = this.#rss && readProc ? this.#readRss() : -1;
    into[3] = this.#peak ? usageAt(span, edge).maxRssKiB * 1024 : 0;
  }

  #readRss(): number {
    if (this.#statm === null) return process.memoryUsage.rss();
    const text = this.#statm.read();
    if (text === null) return -1;
    // statm: "size resident shared text lib data dt", in pages
    const first = text.indexOf(' ');
    return Number(text.slice(first + 1, text.indexOf(' ', first + 1))) * this.#pageBytes;
  }
}
