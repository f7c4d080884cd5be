/**
 * stagescope's own clock: monotonic nanoseconds, anchored once to wall time.
 *
 * Why not `Date.now()` or OpenTelemetry's `hrTime()`: both are millisecond-anchored
 * and drift against the monotonic clock. We pair the monotonic clock with the wall
 * clock once, at load, and afterwards only read the monotonic clock.
 *
 * Which monotonic reading: `process.hrtime()` (an array of seconds and ns) until
 * a target has ended 1,024 calls, then `performance.now()` (`useFastClock`).
 * Both read the same monotonic source at ns resolution. `performance.now()` is
 * about 8 ns cheaper a read, which counts at several reads per wrapped call, but
 * Node makes the `performance` object on first use: about 0.7 ms, which every
 * traced process paid at start-up, and then every process that patched a
 * target, although a run of a few dozen model calls never earns it back
 * (~90,000 readings do; issue "Cost of observation"). Not `process.hrtime.bigint()`: it
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
/** `fastOffsetMs`: set by the first `useFastClock` of any copy, then read by every copy. */
type Anchor = { monoMs: number; wallMs: number; fastOffsetMs?: number };
type GlobalWithAnchor = typeof globalThis & { [ANCHOR_KEY]?: Anchor };
const anchor: Anchor = ((globalThis as GlobalWithAnchor)[ANCHOR_KEY] ??= { monoMs: hrtimeMs(), wallMs: Date.now() });
const anchorMonoMs: number = anchor.monoMs;
const anchorWallMs: number = anchor.wallMs;

/**
 * The monotonic reading, ms in `process.hrtime()`'s domain: hrtime until a
 * copy of stagescope switched the process to the fast clock (then this copy
 * follows at its next reading, with the same offset, so a span started by one
 * copy and ended by the other is timed on one clock: a copy still on hrtime
 * made an async span end before its child, by the offset's slack: ~1 µs when
 * it was taken from one cold sample).
 */
let readMs: () => number = hrtimeReading;

function hrtimeReading(): number {
  const offsetMs = anchor.fastOffsetMs;
  if (offsetMs !== undefined) return adoptFastClock(offsetMs)();
  return hrtimeMs();
}

function adoptFastClock(offsetMs: number): () => number {
  const performance: { now(): number } = globalThis.performance;
  readMs = () => performance.now() + offsetMs;
  return readMs;
}

/**
 * Read `performance.now()` from now on (the wrapper calls this at a target's
 * 1,024th ended call). Its value is moved into
 * `process.hrtime()`'s domain by an offset taken just before an hrtime reading,
 * rounded up: the clock never goes back, and is ahead by at most the time
 * between the two readings (the least of 64 samples: 55–140 ns measured). Every copy of
 * stagescope in the process uses the same offset (on the shared anchor).
 */
export function useFastClock(): void {
  if (readMs !== hrtimeReading) return;
  if (anchor.fastOffsetMs === undefined) {
    const startMs = hrtimeMs();
    const performance: { now(): number } = globalThis.performance;
    performance.now(); // made on first use; the offset is read after that
    // Each sample is the true offset plus the time between its two readings
    // (about 1 µs on the first, cold one): the smallest is the tightest bound.
    let offsetMs = Number.POSITIVE_INFINITY;
    for (let sample = 0; sample < 64; sample++) {
      const fastMs = performance.now();
      offsetMs = Math.min(offsetMs, hrtimeMs() - fastMs);
    }
    anchor.fastOffsetMs = offsetMs;
    switchNs = (hrtimeMs() - startMs) * 1e6;
  }
  adoptFastClock(anchor.fastOffsetMs);
}

/** What switching to the fast clock cost, ns, not yet taken (once per process: the copy that switched). */
let switchNs = 0;

/** The switch's one-time cost for OH (its warm-up part), once: later calls return 0. */
export function takeFastClockSwitchNs(): number {
  const ns = switchNs;
  switchNs = 0;
  return ns;
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
