// The global object, not \`node:perf_hooks\`: the same \`performance\`, without
// loading the module's histograms and observers at every traced process's start.
// Held in a constant so the hot path does not look the global up per read.
const performance: { now(): number } = globalThis.performance;

/**
 * stagescope's own clock: monotonic nanoseconds, anchored once to wall time.
 *
 * Why not `Date.now()` or OpenTelemetry's `hrTime()`: both are millisecond-anchored
 * and drift against the monotonic clock. We pair the monotonic clock with the wall
 * clock once, at load, and afterwards only read the monotonic clock.
 *
 * Why `performance.now()` and not `process.hrtime.bigint()`: both read the same
 * monotonic source at ns resolution, but the bigint version allocates two BigInts
 * per read; at six reads per wrapped async call that garbage was a third of the
 * wrapper's cost (benchmarks/). A double of milliseconds keeps sub-ns
 * resolution for months of uptime. Spans store `number` ns relative to the anchor.
 */

/**
 * One anchor per process, on globalThis under a registered symbol like the
 * context storage: the register bundle and a copy of stagescope the script
 * imports (`import { span } from 'stagescope'`) each have this module, and a
 * span started by one and ended by the other must read the same clock.
 */
const ANCHOR_KEY = Symbol.for('stagescope.clock-anchor.v1');
type GlobalWithAnchor = typeof globalThis & { [ANCHOR_KEY]?: { monoMs: number; wallMs: number } };
const anchor = ((globalThis as GlobalWithAnchor)[ANCHOR_KEY] ??= { monoMs: performance.now(), wallMs: Date.now() });
const anchorMonoMs: number = anchor.monoMs;
const anchorWallMs: number = anchor.wallMs;

/**
 * Monotonic nanoseconds since the clock's anchor (when stagescope loaded), as an
 * integer: sums and differences of span times stay exact (no 1e-7 residue from
 * the ms→ns scaling), and run documents hold plain integers.
 */
export function nowNs(): number {
  return Math.round((performance.now() - anchorMonoMs) * 1e6);
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
