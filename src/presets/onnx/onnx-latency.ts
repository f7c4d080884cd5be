import { attachFeatures } from '../providers.js';
import { PRESET_DEFINITIONS } from '../definitions.js';
import type { OnnxOpsOptions } from './onnx-ops.js';
import { Preset, type PresetOptions } from '../preset.js';

export interface OnnxLatencyOptions extends PresetOptions, OnnxOpsOptions {}

const DEFINITION = PRESET_DEFINITIONS.onnx;

/**
 * Latency of onnxruntime-node pipelines: session creation and every `run`, each
 * labelled by its model and, from the model's name, its stage (PaddleOCR's
 * `*_det_*`, `*_cls_*`, `*_rec_*` → detection, classification, recognition).
 * With `ops: true`, each run also shows the kernels onnxruntime executed.
 * Targets and features: `PRESET_DEFINITIONS.onnx` (registry.ts).
 *
 * @example
 * import { OnnxLatency } from 'stagescope';
 * await new OnnxLatency().run('./my-classifier.mjs');
 * await new OnnxLatency({ ops: true }).run('./my-classifier.mjs'); // + per-op kernels
 */
export class OnnxLatency extends Preset {
  readonly #ops: boolean;

  constructor(options: OnnxLatencyOptions = {}) {
    super(DEFINITION.name, DEFINITION.targetFiles, options);
    this.#ops = attachFeatures(this, DEFINITION, options).has('onnx-ops');
  }

  /** True when op-level drill-down is on. */
  get ops(): boolean {
    return this.#ops;
  }
}
