import type { ProfileKernel, ProfileRun } from './onnx-profile.js';

/** A traced `run` span's interval on stagescope's clock (absolute ns). */
export interface RunInterval {
  startNs: number;
  endNs: number;
}

export interface PlacedKernel {
  kernel: ProfileKernel;
  startNs: number;
  endNs: number;
  /** Moved or shortened to stay inside its run span. */
  clamped: boolean;
}

/** Time spent in one op type during one run. */
export interface OpTotal {
  opType: string;
  count: number;
  durationNs: number;
}

export interface PlacedRun {
  kernels: PlacedKernel[];
  /** onnxruntime's own duration of the run (`model_run`). */
  nativeRunNs: number;
  /** Sum of the kernels' durations, after clamping. */
  kernelNs: number;
  /** Kernels that had to be clamped into the span. */
  clampedKernels: number;
  /** Per op type, slowest first. */
  opTotals: OpTotal[];
}

/**
 * Put a session's profiled runs on stagescope's clock, run i onto span i.
 *
 * The profile counts µs from when the session started profiling; stagescope
 * counts ns on its own monotonic clock. One offset maps one onto the other.
 * Inside a traced `run` span onnxruntime-node waits for a `setImmediate`, runs
 * the graph synchronously, then resolves the promise, which ends the span a few
 * µs later. So every run bounds the offset: the native run must lie inside its
 * span, `offset ∈ [spanStart − runStart, spanEnd − runEnd]`, and the upper bound
 * is tight (only that short resolve separates the two ends). The offset used is
 * the smallest upper bound over all runs — the run whose promise resolved
 * fastest — clamped into each run's own bounds, so that two clocks drifting
 * apart over a long process still put every kernel inside its run. A kernel
 * that still sticks out (it cannot when the bounds hold) is clamped and
 * counted in `clampedKernels`: op children never exceed their `run` parent.
 */
export function placeProfileRuns(runs: readonly ProfileRun[], spans: readonly RunInterval[]): PlacedRun[] {
  if (runs.length !== spans.length) throw new RangeError(`the profile has ${runs.length} runs, the trace ${spans.length} run spans`);
  const bounds = runs.map((run, index) => {
    const span = spans[index]!;
    return { low: span.startNs - run.startUs * 1000, high: span.endNs - (run.startUs + run.durationUs) * 1000 };
  });
  const sharedOffsetNs = Math.min(...bounds.map((bound) => bound.high));
  return runs.map((run, index) => {
    const span = spans[index]!;
    const { low, high } = bounds[index]!;
    const offsetNs = Math.max(low, Math.min(high, sharedOffsetNs));
    const kernels: PlacedKernel[] = [];
    const totals = new Map<string, OpTotal>();
    let kernelNs = 0;
    let clampedKernels = 0;
    let previousEndNs = span.startNs;
    for (const kernel of run.kernels) {
      const rawStartNs = offsetNs + kernel.startUs * 1000;
      const rawEndNs = rawStartNs + kernel.durationUs * 1000;
      // Sequential kernels never overlap; clamping keeps it that way.
      const startNs = Math.min(Math.max(rawStartNs, span.startNs, previousEndNs), span.endNs);
      const endNs = Math.max(startNs, Math.min(rawEndNs, span.endNs));
      const clamped = startNs !== rawStartNs || endNs !== rawEndNs;
      if (clamped) clampedKernels++;
      previousEndNs = endNs;
      kernels.push({ kernel, startNs, endNs, clamped });
      const durationNs = endNs - startNs;
      kernelNs += durationNs;
      const total = totals.get(kernel.opType) ?? { opType: kernel.opType, count: 0, durationNs: 0 };
      total.count++;
      total.durationNs += durationNs;
      totals.set(kernel.opType, total);
    }
    const opTotals = [...totals.values()].sort((a, b) => b.durationNs - a.durationNs || a.opType.localeCompare(b.opType));
    return { kernels, nativeRunNs: run.durationUs * 1000, kernelNs, clampedKernels, opTotals };
  });
}

/**
 * "Conv 61% · Add 9% · Sigmoid 5% · 14 more": each op type's share of the run
 * span's duration, the `limit` largest.
 */
export function formatOpShares(opTotals: readonly OpTotal[], runDurationNs: number, limit = 4): string {
  if (opTotals.length === 0) return 'no kernels';
  const percent = (ns: number): string => {
    const value = runDurationNs > 0 ? (100 * ns) / runDurationNs : 0;
    return value >= 10 || value === 0 ? `${Math.round(value)}%` : `${value.toFixed(1)}%`;
  };
  const shown = opTotals.slice(0, limit).map((total) => `${total.opType} ${percent(total.durationNs)}`);
  if (opTotals.length > limit) shown.push(`${opTotals.length - limit} more`);
  return shown.join(' · ');
}
