import { createRequire } from 'node:module';
import type { OcrLatency } from './ocr/ocr-latency.js';
import type { OnnxLatency } from './onnx/onnx-latency.js';
import type { SharpLatency } from './sharp/sharp-latency.js';
import type { TfjsLatency } from './tfjs/tfjs-latency.js';
import type { Preset, PresetOptions } from './preset.js';
import { StagescopeError } from '../core/errors.js';

export { PRESET_DEFINITIONS, presetDefinitions, type BuiltInPresetName, type PresetDefinition, type PresetFeature } from './definitions.js';
import { PRESET_DEFINITIONS, type BuiltInPresetName } from './definitions.js';

// Preset classes are loaded when one is created, not all five when the registry
// loads (start-up cost: a process traces with one preset), and not at all by a
// reader of names and descriptions (the CLI's parent process, which only spawns).
const require = createRequire(import.meta.url);
const ocr = (): typeof OcrLatency => (require('./ocr/ocr-latency.js') as typeof import('./ocr/ocr-latency.js')).OcrLatency;
const onnx = (): typeof OnnxLatency => (require('./onnx/onnx-latency.js') as typeof import('./onnx/onnx-latency.js')).OnnxLatency;
const sharp = (): typeof SharpLatency => (require('./sharp/sharp-latency.js') as typeof import('./sharp/sharp-latency.js')).SharpLatency;
const base = (): typeof Preset => (require('./preset.js') as typeof import('./preset.js')).Preset;
const tfjs = (): typeof TfjsLatency => (require('./tfjs/tfjs-latency.js') as typeof import('./tfjs/tfjs-latency.js')).TfjsLatency;

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
