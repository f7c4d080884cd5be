import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { nowNs } from '../core/clock.js';
import type { SampleSeries } from '../core/run-document.js';
import { pushPoint, type BackgroundSampler } from './background-sampler.js';

export interface EventLoopDelaySamplerOptions {
  /** How often the delay histogram is read and reset into a point, in ms. Default 250. */
  intervalMs?: number;
  /** Period of the probing timer, in ms: delays shorter than this are not seen. Default 10. */
  resolutionMs?: number;
}

/**
 * Event-loop delay over time: a timer that should fire every `resolutionMs`
 * records how late it fires (a late tick means the loop was blocked) into a
 * `perf_hooks` histogram; every `intervalMs` the histogram becomes two points,
 * `eventLoop.delayP99Ns` and `eventLoop.delayMaxNs` (ns of lateness), and is
 * reset. A stage that blocks the loop shows as a spike at its time.
 *
 * Why not `perf_hooks.monitorEventLoopDelay`: on Node 20 its `reset()` also
 * forgets the previous tick, so the first delay after every reset is dropped,
 * and a block that starts right after a reset is missed (measured here: a
 * 100 ms block reported as 10 ms). Its values also include the resolution. The
 * timer here does the same measurement and can be reset safely; its cost (one
 * callback per tick) is counted in `overheadNs`.
 */
export class EventLoopDelaySampler implements BackgroundSampler {
  readonly name = 'eventloop-delay';
  overheadNs = 0;
  readonly #intervalNs: number;
  readonly #resolutionMs: number;
  #histogram: RecordableHistogram | null = null;
  #timer: NodeJS.Timeout | null = null;
  #originNs = 0;
  #lastTickNs = 0;
  #lastPointNs = 0;
  readonly #p99: SampleSeries = { name: 'eventLoop.delayP99Ns', unit: 'ns', points: [] };
  readonly #max: SampleSeries = { name: 'eventLoop.delayMaxNs', unit: 'ns', points: [] };

  constructor(options: EventLoopDelaySamplerOptions = {}) {
    this.#intervalNs = (options.intervalMs ?? 250) * 1e6;
    this.#resolutionMs = options.resolutionMs ?? 10;
  }

  start(originNs: number): void {
    if (this.#histogram !== null) return;
    this.#originNs = originNs;
    this.#histogram = createHistogram();
    this.#lastTickNs = this.#lastPointNs = nowNs();
    this.#timer = setInterval(() => this.#tick(), this.#resolutionMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#histogram === null) return;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#point(nowNs());
    this.#histogram = null;
  }

  series(): SampleSeries[] {
    return [this.#p99, this.#max].filter((series) => series.points.length > 0);
  }

  #tick(): void {
    const nowAtNs = nowNs();
    const lateNs = nowAtNs - this.#lastTickNs - this.#resolutionMs * 1e6;
    this.#lastTickNs = nowAtNs;
    this.#histogram?.record(Math.max(1, Math.round(lateNs)));
    if (nowAtNs - this.#lastPointNs >= this.#intervalNs) this.#point(nowAtNs);
    this.overheadNs += nowNs() - nowAtNs;
  }

  #point(atNs: number): void {
    const histogram = this.#histogram;
    if (histogram === null || histogram.count === 0) return;
    this.#lastPointNs = atNs;
    pushPoint(this.#p99, atNs - this.#originNs, histogram.percentile(99));
    pushPoint(this.#max, atNs - this.#originNs, histogram.max);
    histogram.reset();
  }
}
