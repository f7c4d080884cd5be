import { OcrLatency } from './ocr-latency.js';
import { OnnxLatency } from './onnx-latency.js';
import { SharpLatency } from './sharp-latency.js';
import { TfjsLatency } from './tfjs-latency.js';
import { Preset, type PresetOptions } from './preset.js';

export type PresetFactory = (options: PresetOptions) => Preset;

/**
 * Presets by the name used on the command line and in `register/<name>`.
 * `custom` has no built-in targets: bring your own with --targets.
 */
const presets = new Map<string, { factory: PresetFactory; description: string }>([
  ['ocr', { factory: (options) => new OcrLatency(options), description: 'OCR pipelines: tesseract.js (init and recognition phases, schedulers), PaddleOCR via @gutenye/ocr-node or onnxruntime-node, sharp pre-processing' }],
  ['onnx', { factory: (options) => new OnnxLatency(options), description: 'onnxruntime-node sessions (create, run, release), labelled by model and stage' }],
  ['sharp', { factory: (options) => new SharpLatency(options), description: 'sharp pipelines (toBuffer, toFile, streams, metadata, stats) with the queued operations as attributes' }],
  ['tfjs', { factory: (options) => new TfjsLatency(options), description: 'TensorFlow.js model loads, predict/execute, image tensors and readbacks with the backend; face-api nets as stages (STAGESCOPE_TFJS_KERNELS=1: per-kernel children)' }],
  ['custom', { factory: (options) => new Preset('custom', [], options), description: 'no built-in targets: pass your own with --targets FILE' }],
]);

export function registerPreset(name: string, factory: PresetFactory, description: string): void {
  presets.set(name, { factory, description });
}

export function presetNames(): string[] {
  return [...presets.keys()];
}

export function presetDescriptions(): [string, string][] {
  return [...presets].map(([name, entry]) => [name, entry.description]);
}

export class UnknownPresetError extends Error {
  override readonly name = 'UnknownPresetError';
}

export function createPreset(name: string, options: PresetOptions = {}): Preset {
  const entry = presets.get(name);
  if (entry === undefined) {
    throw new UnknownPresetError(`stagescope: unknown preset "${name}" (known: ${presetNames().join(', ')})`);
  }
  return entry.factory(options);
}
