import './hooks/onnx.js';
import { Preset, type PresetOptions } from './preset.js';

/**
 * Latency of onnxruntime-node pipelines: session creation and every `run`, each
 * labelled by its model and, from the model's name, its stage (PaddleOCR's
 * `*_det_*`, `*_cls_*`, `*_rec_*` → detection, classification, recognition).
 *
 * @example
 * import { OnnxLatency } from 'stagescope';
 * await new OnnxLatency().run('./my-classifier.mjs');
 */
export class OnnxLatency extends Preset {
  constructor(options: PresetOptions = {}) {
    super('onnx', ['onnx.yaml'], options);
  }
}
