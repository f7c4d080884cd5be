import type { SpanProbe } from '../core/probe.js';
import type { Span } from '../core/span.js';
import { ProcFile } from './proc-file.js';
import { firstCallOfTarget, KEEP_ALL, KEEP_NONE, keptAtEnd, NO_READINGS, procWorthy, readingsWorthy, usageAt } from './per-span-readings.js';
import { isRetroactive } from './retroactive.js';

export interface CpuProbeOptions {
  /**
   * Also record `cpuMainThreadNs` from `/proc/thread-self/schedstat` (Linux,
   * ~2 µs per read). Default true where the file exists.
   */
  mainThread?: boolean;
}

interface CpuState {
  userUs: number;
  systemUs: number;
  /** -1: no /proc reading for this span (see `procWorthy`). */
  mainThreadNs: number;
  /** Its target's first call: read in full, kept as its length warrants (see `firstCallOfTarget`). */
  firstCall: boolean;
}

/**
 * CPU time per span:
 *
 * - `cpuUserNs`, `cpuSystemNs`: user and kernel CPU time of the whole process
 *   during the span (getrusage through `process.resourceUsage()`, shared with
 *   the memory probe: one ~1 µs read per span edge; µs resolution). All threads count: onnxruntime's intra-op pool, libuv's thread pool,
 *   worker threads (tesseract.js), V8's GC helpers. So CPU / wall can exceed
 *   100% (a stage computing on 4 threads shows ~400%) and a stage that only
 *   waits shows ~0%.
 * - `cpuMainThreadNs`: CPU time of the main (JS) thread alone, from the
 *   scheduler's per-thread runtime in `/proc/thread-self/schedstat`; only on
 *   spans worth a `/proc` read (targets whose calls average ≥ 1 ms, and spans
 *   made by hand: see `per-span-readings.ts`). The kernel
 *   updates it at scheduler ticks and context switches, so its resolution is a
 *   tick (1–4 ms): meaningful for spans of tens of ms and longer. Compared with
 *   the process figure it tells a stage computing on the main thread from one
 *   waiting on a worker or a thread pool.
 *
 * Spans of a target whose calls average under 100 µs get neither
 * (`READINGS_MIN_NS` in per-span-readings.ts: a `getrusage` costs several µs in
 * a traced program); their CPU time is in their parent's.
 */
export class CpuProbe implements SpanProbe {
  readonly name = 'cpu';
  readonly selfContained = true;
  readonly #schedstat: ProcFile | null;

  constructor(options: CpuProbeOptions = {}) {
    // opened here, on the thread that constructs the probe: the main thread in every driver
    this.#schedstat = options.mainThread === false ? null : ProcFile.open('/proc/thread-self/schedstat', 128);
  }

  start(span: Span): CpuState | typeof NO_READINGS | null {
    if (isRetroactive(span)) return null;
    if (!readingsWorthy(span)) return NO_READINGS;
    const usage = usageAt(span, 0);
    return { userUs: usage.userUs, systemUs: usage.systemUs, mainThreadNs: procWorthy(span) ? this.#mainThreadNs() : -1, firstCall: firstCallOfTarget(span) };
  }

  end(span: Span, state: unknown): void {
    if (state === null) return; // a span made after the fact: nothing observed
    const before = state === NO_READINGS ? null : (state as CpuState);
    const keep = keptAtEnd(span, before?.firstCall === true);
    if (before === null || keep === KEEP_NONE) return;
    const usage = usageAt(span, 1);
    span.setMetric('cpuUserNs', (usage.userUs - before.userUs) * 1000);
    span.setMetric('cpuSystemNs', (usage.systemUs - before.systemUs) * 1000);
    if (before.mainThreadNs >= 0 && keep === KEEP_ALL) {
      const now = this.#mainThreadNs();
      if (now >= 0) span.setMetric('cpuMainThreadNs', Math.max(0, now - before.mainThreadNs));
    }
  }

  #mainThreadNs(): number {
    if (this.#schedstat === null) return -1;
    const text = this.#schedstat.read();
    if (text === null) return -1;
    return Number(text.slice(0, text.indexOf(' ')));
  }
}
