import { attachFeatures } from '../providers.js';
import { PRESET_DEFINITIONS } from '../definitions.js';
import type { OnnxOpsOptions } from '../onnx/onnx-ops.js';
import { Preset, type PresetOptions } from '../preset.js';

export interface OcrLatencyOptions extends PresetOptions, OnnxOpsOptions {}

const DEFINITION = PRESET_DEFINITIONS.ocr;

/**
 * Latency of OCR pipelines, whichever OCR stack the script uses:
 *
 * - tesseract.js: `createWorker` with its init phases (core load, language
 *   data, API init) and `recognize` split into what tesseract reports
 *   ("recognizing text" progress) and what it does not (image load + layout
 *   analysis before the first event, output after the last), from
 *   tesseract.js's own logger events — the script's `logger` still receives
 *   every event. Scheduler jobs appear under the `addJob` call that queued them.
 * - PaddleOCR through `@gutenye/ocr-node` (`Ocr.create`, `Ocr.detect`,
 *   `Detection.run`, `Recognition.run`), and PP-OCR det/cls/rec `.onnx` models
 *   run with onnxruntime-node directly (stage from the model file name).
 * - sharp pre-processing (decode, resize, crop, raw) as `preprocess`.
 *
 * Built-in targets and features: `PRESET_DEFINITIONS.ocr` (registry.ts:
 * presets/tesseract.yaml, paddle.yaml, onnx.yaml, sharp.yaml).
 * `ops: true` adds onnxruntime's per-kernel drill-down to the ONNX runs.
 *
 * @example
 * import { OcrLatency } from 'stagescope';
 * await new OcrLatency().run('./read-receipt.mjs');
 */
export class OcrLatency extends Preset {
  constructor(options: OcrLatencyOptions = {}) {
    super(DEFINITION.name, DEFINITION.targetFiles, options);
    attachFeatures(this, DEFINITION, options);
  }
}
