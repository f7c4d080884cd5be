import type { SampleSeries } from '../core/run-document.js';

/**
 * Something sampled in the background at a fixed interval (never per span):
 * system load, GPU, event-loop delay. Started when a run starts, stopped when
 * it ends; its series go to the run document's `samples`, its own main-thread
 * time to `samplerOverheadNs`.
 */
export interface BackgroundSampler {
  readonly name: string;
  /** Begin sampling. `originNs` is the run's start (`nowNs()`); points are relative to it. */
  start(originNs: number): void;
  /** Stop sampling and release timers, child processes and descriptors. Idempotent. */
  stop(): void;
  /** The series collected so far (empty series left out). */
  series(): SampleSeries[];
  /** Main-thread time spent by the sampler itself, in ns. */
  readonly overheadNs: number;
}

/** A per-span probe whose subscriptions also cost time outside the wrappers (GC observer, channel handlers). */
export interface BackgroundCost {
  readonly backgroundOverheadNs: number;
}

export function hasBackgroundCost(value: object): value is BackgroundCost {
  return typeof (value as Partial<BackgroundCost>).backgroundOverheadNs === 'number';
}

/** Append a point, rounding the time to whole ns. */
export function pushPoint(series: SampleSeries, atNs: number, value: number): void {
  if (Number.isFinite(value)) series.points.push([Math.round(atNs), value]);
}
