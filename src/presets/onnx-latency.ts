import './hooks/onnx.js';
import { probeAnnotation } from '../render/probe-annotation.js';
import { renderTextTree } from '../render/text-tree.js';
import type { Span } from '../core/span.js';
import { annotateOnnxOps, onnxOpsTreeView } from './onnx-profile-view.js';
import { activeOnnxProfiler, OnnxProfiler, setActiveOnnxProfiler } from './onnx-profiler.js';
import { Preset, type PresetOptions } from './preset.js';

export interface OnnxLatencyOptions extends PresetOptions {
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
 * Latency of onnxruntime-node pipelines: session creation and every `run`, each
 * labelled by its model and, from the model's name, its stage (PaddleOCR's
 * `*_det_*`, `*_cls_*`, `*_rec_*` → detection, classification, recognition).
 * With `ops: true`, each run also shows the kernels onnxruntime executed.
 *
 * @example
 * import { OnnxLatency } from 'stagescope';
 * await new OnnxLatency().run('./my-classifier.mjs');
 * await new OnnxLatency({ ops: true }).run('./my-classifier.mjs'); // + per-op kernels
 */
export class OnnxLatency extends Preset {
  readonly #profiler: OnnxProfiler | null;
  readonly #treeKernels: number;
  readonly #treeDepth: number | undefined;
  readonly #compact: boolean;

  constructor(options: OnnxLatencyOptions = {}) {
    super('onnx', ['onnx.yaml'], options);
    const ops = options.ops ?? (process.env.STAGESCOPE_ONNX_OPS === '1' || process.env.STAGESCOPE_ONNX_OPS === 'true');
    const treeKernels = options.treeKernels ?? 3;
    if (!Number.isInteger(treeKernels) || treeKernels < 0) {
      throw new RangeError(`stagescope: OnnxLatency option "treeKernels" must be a whole number ≥ 0 (kernels shown per run), got ${String(options.treeKernels)}`);
    }
    this.#treeKernels = treeKernels;
    this.#treeDepth = options.treeDepth;
    this.#compact = options.compact ?? false;
    this.#profiler = ops ? new OnnxProfiler(this.tracer) : null;
    if (this.#profiler !== null) {
      const profiler = this.#profiler;
      this.onBeforeFinish(() => {
        try {
          profiler.collectAll();
        } finally {
          if (activeOnnxProfiler() === profiler) setActiveOnnxProfiler(null);
        }
      });
    }
  }

  /** True when op-level drill-down is on. */
  get ops(): boolean {
    return this.#profiler !== null;
  }

  override start(command: string[] = [], basedir?: string): Span {
    const root = super.start(command, basedir);
    if (this.#profiler !== null) {
      setActiveOnnxProfiler(this.#profiler);
      root.setAttribute('onnxOps', true);
    }
    return root;
  }

  /**
   * The text tree; with `ops`, the slowest kernels per run and the per-op
   * shares, after any probe values (same depth and compact folding as the base).
   */
  override renderTree(): string {
    const doc = this.document;
    if (this.#profiler === null || doc === null) return super.renderTree();
    const kernels = this.#treeKernels;
    const view = onnxOpsTreeView(doc, kernels);
    const probes = probeAnnotation(view); // prints nothing for spans without probe metrics
    return renderTextTree(view, {
      ...(this.#treeDepth === undefined ? {} : { maxDepth: this.#treeDepth }),
      ...(this.#compact ? { compact: true } : {}),
      annotate: (span) => [probes(span), annotateOnnxOps(span, kernels)].filter((part) => part !== '').join('  '),
    });
  }
}
