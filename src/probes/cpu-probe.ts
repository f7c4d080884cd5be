import type { SpanProbe } from '../core/probe.js';
import type { Span } from '../core/span.js';
import { ProcFile } from './proc-file.js';
import { isRetroactive } from './retroactive.js';

export interface CpuProbeOptions {
  /**
   * Also record `cpuMainThreadNs` from `/proc/thread-self/schedstat` (Linux,
   * ~2 µs per read). Default true where the file exists.
   */
  mainThread?: boolean;
}

interface CpuState {
  usage: NodeJS.CpuUsage;
  mainThreadNs: number;
}

/**
 * CPU time per span:
 *
 * - `cpuUserNs`, `cpuSystemNs`: user and kernel CPU time of the whole process
 *   during the span (`process.cpuUsage()`, getrusage, µs resolution, ~1 µs per
 *   read). All threads count: onnxruntime's intra-op pool, libuv's thread pool,
 *   worker threads (tesseract.js), V8's GC helpers. So CPU / wall can exceed
 *   100% (a stage computing on 4 threads shows ~400%) and a stage that only
 *   waits shows ~0%.
 * - `cpuMainThreadNs`: CPU time of the main (JS) thread alone, from the
 *   scheduler's per-thread runtime in `/proc/thread-self/schedstat`. The kernel
 *   updates it at scheduler ticks and context switches, so its resolution is a
 *   tick (1–4 ms): meaningful for spans of tens of ms and longer. Compared with
 *   the process figure it tells a stage computing on the main thread from one
 *   waiting on a worker or a thread pool.
 */
export class CpuProbe implements SpanProbe {
  readonly name = 'cpu';
  readonly #schedstat: ProcFile | null;

  constructor(options: CpuProbeOptions = {}) {
    // opened here, on the thread that constructs the probe: the main thread in every driver
    this.#schedstat = options.mainThread === false ? null : ProcFile.open('/proc/thread-self/schedstat', 128);
  }

  start(span: Span): CpuState | null {
    if (isRetroactive(span)) return null;
    return { usage: process.cpuUsage(), mainThreadNs: this.#mainThreadNs() };
  }

  end(span: Span, state: unknown): void {
    const before = state as CpuState | null;
    if (before === null) return;
    const delta = process.cpuUsage(before.usage);
    span.setMetric('cpuUserNs', delta.user * 1000);
    span.setMetric('cpuSystemNs', delta.system * 1000);
    if (before.mainThreadNs >= 0) {
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
