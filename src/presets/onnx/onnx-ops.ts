import { annotateOnnxOps, onnxOpsTreeView } from './onnx-profile-view.js';
import { ONNX_STATE } from './onnx-hook-state.js';
import { OnnxProfiler } from './onnx-profiler.js';
import type { Preset } from '../preset.js';
import { RUN_OPTIONS } from '../options/run-options.js';
import { switchOrEnv } from '../options/preset-fields.js';

/** Options of the ONNX op-level drill-down, for any preset that traces onnxruntime. */
export interface OnnxOpsOptions {
  /**
   * Op-level drill-down: run onnxruntime's own profiler in every session created
   * during the run and add its kernels (op type, node, shapes) as children of
   * each `InferenceSession.run` span, with the per-op-type shares ("Conv 61%")
   * on the run span. Profiling costs a few µs per kernel. Default false, or true
   * when the environment has STAGESCOPE_ONNX_OPS=1 (`stagescope run --onnx-ops`).
   */
  ops?: boolean;
  /**
   * With `ops`: kernels listed under each run in the text tree, the slowest
   * first chosen, shown in time order. The run document always has all of them.
   * Default 3.
   */
  treeKernels?: number;
}

/**
 * Attach the drill-down to a preset (OnnxLatency, OcrLatency): the profiler is
 * active only while the preset runs, its files are collected before the run
 * document is built, and the text tree shows the slowest kernels per run.
 * Returns null when `ops` is off.
 */
export function attachOnnxOps(preset: Preset, options: OnnxOpsOptions): OnnxProfiler | null {
  const ops = switchOrEnv(RUN_OPTIONS.onnxOps, options.ops);
  const treeKernels = options.treeKernels ?? 3;
  if (!Number.isInteger(treeKernels) || treeKernels < 0) {
    throw new RangeError(`stagescope: option "treeKernels" must be a whole number ≥ 0 (kernels shown per run), got ${String(options.treeKernels)}`);
  }
  if (!ops) return null;
  const profiler = new OnnxProfiler(preset.tracer);
  // This preset's onnx hooks feed it (never another preset's), while the preset runs.
  const state = preset.instrumenter.hookScope.state(ONNX_STATE);
  preset.onStart((root) => {
    state.profiler = profiler;
    root.setAttribute('onnxOps', true);
  });
  preset.onBeforeFinish(() => {
    try {
      profiler.collectAll();
    } finally {
      if (state.profiler === profiler) state.profiler = null;
    }
  });
  preset.decorateTree({
    view: (doc) => onnxOpsTreeView(doc, treeKernels),
    annotate: () => (span) => annotateOnnxOps(span, treeKernels),
  });
  return profiler;
}
