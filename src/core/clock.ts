/**
 * stagescope's own clock: monotonic nanoseconds, anchored once to wall time.
 *
 * Why not `Date.now()` or OpenTelemetry's `hrTime()`: both are millisecond-anchored
 * and drift against the monotonic clock. We pair the monotonic clock with the wall
 * clock once, at load, and afterwards only read the monotonic clock.
 *
 * Which monotonic reading: `process.hrtime()` (an array of seconds and ns) until
 * the first target module is patched, then `performance.now()` (`useFastClock`).
 * Both read the same monotonic source at ns resolution. `performance.now()` is
 * about 8 ns cheaper a read, which counts at several reads per wrapped call, but
 * Node makes the `performance` object on first use: about 0.7 ms that every
 * traced process paid at start-up, before its script had loaded anything to
 * trace (issue "Cost of observation"). Not `process.hrtime.bigint()`: it
 * allocates a BigInt per read, whose garbage was a third of the wrapper's cost.
 * A double of milliseconds keeps sub-ns resolution for months of uptime. Spans
 * store `number` ns relative to the anchor.
 */

function hrtimeMs(): number {
  const time = process.hrtime();
  return time[0] * 1e3 + time[1] / 1e6;
}

/**
 * One anchor per process, on globalThis under a registered symbol like the
 * context storage: the register bundle and a copy of stagescope the script
 * imports (`import { span } from 'stagescope'`) each have this module, and a
 * span started by one and ended by the other must read the same clock. Both
 * copies read `process.hrtime()`'s domain: after `useFastClock`, a copy reads
 * `performance.now()` moved into that domain.
 */
const ANCHOR_KEY = Symbol.for('stagescope.clock-anchor.v2');
type GlobalWithAnchor = typeof globalThis & { [ANCHOR_KEY]?: { monoMs: number; wallMs: number } };
const anchor = ((globalThis as GlobalWithAnchor)[ANCHOR_KEY] ??= { monoMs: hrtimeMs(), wallMs: Date.now() });
const anchorMonoMs: number = anchor.monoMs;
const anchorWallMs: number = anchor.wallMs;

/** The monotonic reading, ms in `process.hrtime()`'s domain. */
let readMs: () => number = hrtimeMs;

/**
 * Read `performance.now()` from now on (the instrumenter calls this when it
 * patches the first target module, outside any span). Its value is moved into
 * `process.hrtime()`'s domain by an offset taken between two hrtime readings,
 * rounded up: the clock never goes back, and is ahead by at most the ~80 ns
 * those readings take.
 */
export function useFastClock(): void {
  if (readMs !== hrtimeMs) return;
  const performance: { now(): number } = globalThis.performance;
  performance.now(); // made on first use; the offset is read after that
  const fastMs = performance.now();
  const offsetMs = hrtimeMs() - fastMs;
  readMs = () => performance.now() + offsetMs;
}

/**
 * Monotonic nanoseconds since the clock's anchor (when stagescope loaded), as an
 * integer: sums and differences of span times stay exact (no 1e-7 residue from
 * the ms→ns scaling), and run documents hold plain integers.
 */
export function nowNs(): number {
  return Math.round((readMs() - anchorMonoMs) * 1e6);
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
