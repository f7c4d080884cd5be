/**
 * stagescope's own clock: monotonic nanoseconds, anchored once to wall time.
 *
 * Why not `Date.now()` or OpenTelemetry's `hrTime()`: both are millisecond-anchored
 * and drift against the monotonic clock. We read `process.hrtime.bigint()` (~0.1 µs)
 * once at load to pair it with the wall clock, and afterwards only read the monotonic
 * clock. Spans store `number` nanoseconds relative to the anchor: a double holds
 * integers exactly up to 2^53 ns (~104 days of process uptime).
 */

const anchorMonoNs: bigint = process.hrtime.bigint();
const anchorWallMs: number = Date.now();

/** Monotonic nanoseconds since the clock's anchor (process start of stagescope). */
export function nowNs(): number {
  return Number(process.hrtime.bigint() - anchorMonoNs);
}

/** Wall-clock milliseconds since the Unix epoch for a `nowNs()` reading. */
export function nsToWallMs(ns: number): number {
  return anchorWallMs + ns / 1e6;
}

/** Wall-clock nanoseconds since the epoch as a bigint (for exporters that need ns precision). */
export function nsToEpochNs(ns: number): bigint {
  return BigInt(anchorWallMs) * 1_000_000n + BigInt(Math.round(ns));
}

/** The `nowNs()` reading that corresponds to a wall-clock time in ms since the epoch. */
export function wallMsToNs(wallMs: number): number {
  return (wallMs - anchorWallMs) * 1e6;
}

export function nsToMs(ns: number): number {
  return ns / 1e6;
}

export function nsToUs(ns: number): number {
  return ns / 1e3;
}
