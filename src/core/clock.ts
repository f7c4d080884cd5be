/**
 * stagescope's own clock: monotonic nanoseconds, anchored once to wall time.
 *
 * Why not `Date.now()` or OpenTelemetry's `hrTime()`: both are millisecond-anchored
 * and drift against the monotonic clock. We pair the monotonic clock with the wall
 * clock once, at load, and afterwards only read the monotonic clock.
 *
 * Which monotonic reading: `process.hrtime()` (an array of seconds and ns) until
 * a target has ended 16 calls, then `performance.now()` (`useFastClock`).
 * Both read the same monotonic source at ns resolution. `performance.now()`
 * makes no garbage (hrtime's arrays were ~300 bytes of a hooked call's), but
 * Node makes the `performance` object on first use: 1.6–2.2 ms in a fresh
 * process on the 2-core VM. Every traced process once paid it at start-up;
 * now only a process where a target has ended 16 calls does (an empty script,
 * or one with a few model calls, never does; issue "Cost of observation").
 * Why 16 calls and not later: before V8 optimises the wrapper, so that its
 * code has seen both readings and is not thrown back to the interpreter by
 * the switch (`readMs`). Maglev compiles after 400 calls, but a small
 * function may be optimised after 30 (V8's
 * `--invocation-count-for-early-optimization`), and the wrapper's end
 * functions inline this clock (test/optimised-wrapper.test.ts). Not
 * `process.hrtime.bigint()`: it allocates a BigInt per read, whose garbage was a
 * third of the wrapper's cost. A double of milliseconds keeps sub-ns
 * resolution for months of uptime. Spans store `number` ns from the clock's
 * epoch, 2^32 ns before the anchor (`BELOW_SMI_OFFSET_MS`).
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
 * How far before the anchor readings count from: 2^32 ns (4.29 s), so that
 * every reading is above 2^31 and never a small integer. Why: V8 keeps an
 * integer below 2^31 as a small integer (Node's V8 has no pointer
 * compression) and optimises the wrapper's arithmetic for the values it has
 * seen; readings counted from the anchor crossed 2^31 ns 2.15 s after
 * stagescope loaded, and every optimised function that had only seen small
 * integers there was thrown back to the interpreter (V8's `--trace-deopt`:
 * "not a Smi" in `hookedCall` and `endHookedCall`), in every traced process
 * that ran past that point (M11 in docs/overhead.md is the same crossing on
 * the span's fields).
 */
const BELOW_SMI_OFFSET_MS = 2 ** 32 / 1e6;
const BELOW_SMI_OFFSET_NS = 2n ** 32n;
/** `nowNs()` 0, in hrtime's and in wall-clock ms. */
const epochMonoMs: number = anchorMonoMs - BELOW_SMI_OFFSET_MS;
const epochWallMs: number = anchorWallMs - BELOW_SMI_OFFSET_MS;

/**
 * Node's `performance` object once this copy reads the fast clock (after any
 * copy switched, see `useFastClock`), null until then; `fastOffsetMs` moves
 * its readings into hrtime's domain. One reading function with a branch, not
 * a reading function swapped at the switch: V8 inlines the function a call
 * site has seen, and swapping it threw every optimised function that had
 * inlined the old one back to the interpreter ("wrong call target" in
 * `hookedCall` on Node 24, in `nowNs` on Node 22), for the next ~1,000
 * calls of a model loop.
 */
let fastPerformance: { now(): number } | null = null;
let fastOffsetMs = 0;

/** The monotonic reading, ms in `process.hrtime()`'s domain. */
function readMs(): number {
  if (fastPerformance !== null) return fastPerformance.now() + fastOffsetMs;
  // A copy still on hrtime follows one that switched at its next reading, with
  // the same offset, so a span started by one copy and ended by the other is
  // timed on one clock: a copy still on hrtime made an async span end before
  // its child, by the offset's slack (~1 µs when it was taken from one cold
  // sample).
  const offsetMs = anchor.fastOffsetMs;
  if (offsetMs !== undefined) {
    adoptFastClock(offsetMs);
    return fastPerformance!.now() + fastOffsetMs;
  }
  return hrtimeMs();
}

function adoptFastClock(offsetMs: number): void {
  fastOffsetMs = offsetMs;
  fastPerformance = globalThis.performance;
}

/**
 * Read `performance.now()` from now on (the wrapper calls this at a target's
 * `FAST_CLOCK_AFTER_CALLS`th ended call). Its value is moved into
 * `process.hrtime()`'s domain by an offset taken just before an hrtime reading,
 * rounded up: the clock never goes back, and is ahead by at most the time
 * between the two readings (the least of 64 samples: 55–140 ns measured). Every copy of
 * stagescope in the process uses the same offset (on the shared anchor).
 */
export function useFastClock(): void {
  if (fastPerformance !== null) return;
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
 * Monotonic nanoseconds since the clock's epoch (2^32 ns before stagescope loaded), as an
 * integer: sums and differences of span times stay exact (no 1e-7 residue from
 * the ms→ns scaling), and run documents hold plain integers.
 */
export function nowNs(): number {
  return Math.round((readMs() - epochMonoMs) * 1e6);
}

/** Wall-clock milliseconds since the Unix epoch for a `nowNs()` reading. */
export function nsToWallMs(ns: number): number {
  return epochWallMs + ns / 1e6;
}

/** Wall-clock nanoseconds since the epoch as a bigint (for exporters that need ns precision). */
export function nsToEpochNs(ns: number): bigint {
  return BigInt(anchorWallMs) * 1_000_000n - BELOW_SMI_OFFSET_NS + BigInt(Math.round(ns));
}

/** The `nowNs()` reading that corresponds to a wall-clock time in ms since the epoch. */
export function wallMsToNs(wallMs: number): number {
  return (wallMs - epochWallMs) * 1e6;
}

export function nsToMs(ns: number): number {
  return ns / 1e6;
}

export function nsToUs(ns: number): number {
  return ns / 1e3;
}
