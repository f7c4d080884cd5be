import { createRequire } from 'node:module';
import type { OcrLatency } from './ocr/ocr-latency.js';
import type { OnnxLatency } from './onnx/onnx-latency.js';
import type { SharpLatency } from './sharp/sharp-latency.js';
import type { TfjsLatency } from './tfjs/tfjs-latency.js';
import type { Preset, PresetOptions } from './preset.js';
import { StagescopeError } from '../core/errors.js';

// Preset classes are loaded when one is created, not all five when the registry
// loads (start-up cost: a process traces with one preset), and not at all by a
// reader of names and descriptions (the CLI's parent process, which only spawns).
const load = createRequire(import.meta.url);
const ocr = (): typeof OcrLatency => (load('./ocr/ocr-latency.js') as typeof import('./ocr/ocr-latency.js')).OcrLatency;
const onnx = (): typeof OnnxLatency => (load('./onnx/onnx-latency.js') as typeof import('./onnx/onnx-latency.js')).OnnxLatency;
const sharp = (): typeof SharpLatency => (load('./sharp/sharp-latency.js') as typeof import('./sharp/sharp-latency.js')).SharpLatency;
const base = (): typeof Preset => (load('./preset.js') as typeof import('./preset.js')).Preset;
const tfjs = (): typeof TfjsLatency => (load('./tfjs/tfjs-latency.js') as typeof import('./tfjs/tfjs-latency.js')).TfjsLatency;

export type PresetFactory = (options: PresetOptions) => Preset;

/**
 * Presets by the name used on the command line and in `register/<name>`.
 * `custom` has no built-in targets: bring your own with --targets.
 */
const presets = new Map<string, { factory: PresetFactory; description: string }>([
  [
    'ocr',
    {
      factory: (options) => new (ocr())(options),
      description:
        'OCR pipelines: tesseract.js (init and recognition phases, schedulers), PaddleOCR via @gutenye/ocr-node or onnxruntime-node, sharp pre-processing',
    },
  ],
  ['onnx', { factory: (options) => new (onnx())(options), description: 'onnxruntime-node sessions (create, run, release), labelled by model and stage' }],
  [
    'sharp',
    {
      factory: (options) => new (sharp())(options),
      description: 'sharp pipelines (toBuffer, toFile, streams, metadata, stats) with the queued operations as attributes',
    },
  ],
  [
    'tfjs',
    {
      factory: (options) => new (tfjs())(options),
      description:
        'TensorFlow.js model loads, predict/execute, image tensors and readbacks with the backend; face-api nets as stages (--tfjs-kernels, STAGESCOPE_TFJS_KERNELS=1: per-kernel children)',
    },
  ],
  ['custom', { factory: (options) => new (base())('custom', [], options), description: 'no built-in targets: pass your own with --targets FILE' }],
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

/** No preset has that name (code `SS_ERR_PRESET_UNKNOWN`); the message is `stagescope: ${detail}`. */
export class UnknownPresetError extends StagescopeError {
  override readonly name = 'UnknownPresetError';
  constructor(detail: string, options?: ErrorOptions) {
    super('SS_ERR_PRESET_UNKNOWN', detail, { ...options, prefixed: true });
  }
}

export function createPreset(name: string, options: PresetOptions = {}): Preset {
  const entry = presets.get(name);
  if (entry === undefined) {
    throw new UnknownPresetError(`unknown preset "${name}" (known: ${presetNames().join(', ')})`);
  }
  return entry.factory(options);
}
