import { createRequire } from 'node:module';
import type { OcrLatency } from './ocr/ocr-latency.js';
import type { OnnxLatency } from './onnx/onnx-latency.js';
import type { SharpLatency } from './sharp/sharp-latency.js';
import type { TfjsLatency } from './tfjs/tfjs-latency.js';
import type { Preset, PresetOptions } from './preset.js';
import { StagescopeError } from '../core/errors.js';

/**
 * What makes each built-in preset, declared once: its name (`--preset NAME`,
 * `stagescope/register/NAME`), the class that runs it, its description
 * (`stagescope presets`), the built-in target files it loads from `presets/`,
 * and the features it adds on top of those targets. The registry below, the
 * preset classes, the CLI's list (`stagescope presets`) and the presets table of
 * docs/target-files.md (`npm run docs:presets`) read this table;
 * test/preset-definitions.test.ts checks it against the YAML files' `preset:`
 * headers, the classes and the docs.
 *
 * The table lives in the registry, which every traced process and the CLI's
 * parent load anyway (no module more at start-up); a feature's code is
 * attached by `attachFeatures` (providers.ts), and loaded only when asked for.
 */

/**
 * A preset feature beyond its targets' spans:
 * - `onnx-ops`: onnxruntime's own profiler per session, kernels as children of
 *   each `InferenceSession.run` (option `ops`, `--onnx-ops`; onnx/onnx-ops.ts).
 * - `tesseract-phases`: child phases of tesseract.js calls derived from its
 *   logger events (tesseract/tesseract-hooks.ts, derived-phases.ts).
 * - `tfjs-kernels`: tfjs's profiler around model calls, one child per kernel
 *   (option `kernels`, `--tfjs-kernels`; tfjs/tfjs-kernels.ts).
 */
export type PresetFeature = 'onnx-ops' | 'tesseract-phases' | 'tfjs-kernels';

export interface PresetDefinition {
  readonly name: string;
  /** The exported class (`OcrLatency`), or null for a preset made from `Preset` itself. */
  readonly className: string | null;
  readonly description: string;
  /** Files in the package's `presets/` folder, loaded in this order (option `builtInTargets: false` skips them). */
  readonly targetFiles: readonly string[];
  readonly features: readonly PresetFeature[];
}

export const PRESET_DEFINITIONS = {
  ocr: {
    name: 'ocr',
    className: 'OcrLatency',
    description:
      'OCR pipelines: tesseract.js (init and recognition phases, schedulers), PaddleOCR via @gutenye/ocr-node or onnxruntime-node, sharp pre-processing',
    targetFiles: ['tesseract.yaml', 'paddle.yaml', 'onnx.yaml', 'sharp.yaml'],
    features: ['tesseract-phases', 'onnx-ops'],
  },
  onnx: {
    name: 'onnx',
    className: 'OnnxLatency',
    description: 'onnxruntime-node sessions (create, run, release), labelled by model and stage',
    targetFiles: ['onnx.yaml'],
    features: ['onnx-ops'],
  },
  sharp: {
    name: 'sharp',
    className: 'SharpLatency',
    description: 'sharp pipelines (toBuffer, toFile, streams, metadata, stats) with the queued operations as attributes',
    targetFiles: ['sharp.yaml'],
    features: [],
  },
  tfjs: {
    name: 'tfjs',
    className: 'TfjsLatency',
    description:
      'TensorFlow.js model loads, predict/execute, image tensors and readbacks with the backend; face-api nets as stages (--tfjs-kernels, STAGESCOPE_TFJS_KERNELS=1: per-kernel children)',
    targetFiles: ['tfjs.yaml', 'face-api.yaml'],
    features: ['tfjs-kernels'],
  },
  custom: {
    name: 'custom',
    className: null,
    description: 'no built-in targets: pass your own with --targets FILE',
    targetFiles: [],
    features: [],
  },
} as const satisfies Record<string, PresetDefinition>;

export type BuiltInPresetName = keyof typeof PRESET_DEFINITIONS;

/** The built-in definitions in `stagescope presets` order. */
export const presetDefinitions: readonly PresetDefinition[] = Object.values(PRESET_DEFINITIONS);

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

const factories: Record<BuiltInPresetName, PresetFactory> = {
  ocr: (options) => new (ocr())(options),
  onnx: (options) => new (onnx())(options),
  sharp: (options) => new (sharp())(options),
  tfjs: (options) => new (tfjs())(options),
  custom: (options) => new (base())(PRESET_DEFINITIONS.custom.name, PRESET_DEFINITIONS.custom.targetFiles, options),
};

/**
 * Presets by the name used on the command line and in `register/<name>`: the
 * built-in ones from their definitions (PRESET_DEFINITIONS), then any registered.
 * `custom` has no built-in targets: bring your own with --targets.
 */
const presets = new Map<string, { factory: PresetFactory; description: string }>(
  Object.values(PRESET_DEFINITIONS).map((definition) => [definition.name, { factory: factories[definition.name], description: definition.description }]),
);

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
