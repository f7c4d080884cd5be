import { nowNs } from '../core/clock.js';

/**
 * Lining up times from other threads and processes. Each thread anchors its own
 * `nowNs()` clock (performance.now() has a per-thread origin), so a worker's
 * `startNs` means nothing to the main thread. `process.hrtime` reads
 * CLOCK_MONOTONIC, which is one clock for every thread and process of the
 * machine: a time is shipped as "monotonic ns" (a bigint in a string: the
 * values exceed 2^53 after ~104 days of uptime) and turned back into the
 * receiver's `nowNs()` by subtracting the receiver's own offset.
 */
let cachedOffsetNs: bigint | undefined;

/** hrtime minus nowNs(): constant for a thread (both read the same monotonic clock), so measured once. */
function offsetNs(): bigint {
  return (cachedOffsetNs ??= measureOffsetNs());
}

function measureOffsetNs(): bigint {
  const before = nowNs();
  const monotonic = process.hrtime.bigint();
  const after = nowNs();
  return monotonic - BigInt(Math.round((before + after) / 2));
}

/** A `nowNs()` reading of this thread as monotonic ns (decimal string). */
export function toMonotonicNs(ns: number): string {
  return (BigInt(Math.round(ns)) + offsetNs()).toString();
}

/** `a - b` in ns for two monotonic readings from {@link toMonotonicNs} (any thread or process of this machine). */
export function monotonicDiffNs(a: string, b: string): number {
  try {
    return Number(BigInt(a) - BigInt(b));
  } catch {
    return 0; // a malformed value from a foreign document: keep the spans, unaligned
  }
}
