import '../hook-providers.js';
import { attachOnnxOpsIfAsked, type OnnxOpsOptions } from './onnx-ops-option.js';
import { Preset, type PresetOptions } from '../preset.js';

export interface OnnxLatencyOptions extends PresetOptions, OnnxOpsOptions {}

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
  readonly #ops: boolean;

  constructor(options: OnnxLatencyOptions = {}) {
    super('onnx', ['onnx.yaml'], options);
    this.#ops = attachOnnxOpsIfAsked(this, options);
  }

  /** True when op-level drill-down is on. */
  get ops(): boolean {
    return this.#ops;
  }
}
