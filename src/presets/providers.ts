import { createRequire } from 'node:module';
import type { OnnxOpsOptions } from './onnx/onnx-ops.js';
import type { Preset } from './preset.js';
import type { PresetDefinition, PresetFeature } from './definitions.js';
import type { TfjsKernelsOptions } from './tfjs/tfjs-kernels.js';
import { RUN_OPTIONS } from './options/run-options.js';
import { switchOrEnv } from './options/preset-fields.js';

/**
 * Where each preset feature lives (the per-library code under onnx/ and
 * tfjs/), loaded with `require` when a preset turns it on. The hook families
 * are registered by hook-providers.ts, for every preset.
 */
const require = createRequire(import.meta.url);

/** The options every feature reads (each preset class's options include its features'). */
export type PresetFeatureOptions = OnnxOpsOptions & TfjsKernelsOptions;

/**
 * Attach one feature to a preset; returns whether it is on for this run. A
 * feature's code is loaded only when it is on: the ONNX profiler and its profile
 * readers, or tfjs's kernel capture, are start-up cost for every run otherwise.
 * Options are checked whether or not the feature is on (a bad `treeKernels`
 * or `maxKernelSpansPerCall` throws).
 */
const FEATURES: Record<PresetFeature, (preset: Preset, options: PresetFeatureOptions) => boolean> = {
  'onnx-ops': (preset, options) => {
    const ops = switchOrEnv(RUN_OPTIONS.onnxOps, options.ops);
    if (!ops && options.treeKernels === undefined) return false;
    return (require('./onnx/onnx-ops.js') as typeof import('./onnx/onnx-ops.js')).attachOnnxOps(preset, options) !== null;
  },
  // Made by the tesseract hooks as their calls end; nothing to switch on.
  'tesseract-phases': () => true,
  'tfjs-kernels': (preset, options) => {
    const kernels = switchOrEnv(RUN_OPTIONS.tfjsKernels, options.kernels);
    const max = options.maxKernelSpansPerCall ?? 2000;
    if (!Number.isInteger(max) || max < 0) {
      throw new RangeError(`stagescope: TfjsLatency option maxKernelSpansPerCall must be a whole number ≥ 0, got ${String(max)}`);
    }
    preset.onStart((root) => root.setAttribute('tfjsKernels', kernels));
    if (kernels) attachTfjsKernels(preset, max);
    return kernels;
  },
};

/**
 * The `tfjs-kernels` feature on a preset (options checked, and on): kernels
 * are captured while the preset runs. Here, not in tfjs-kernels.ts: that module
 * is loaded by the tfjs hooks, which every preset can load (hook-providers.ts),
 * and must not import the preset.
 */
function attachTfjsKernels(preset: Preset, maxKernelSpansPerCall: number): void {
  const { startKernelCapture, stopKernelCapture } = require('./tfjs/tfjs-kernels.js') as typeof import('./tfjs/tfjs-kernels.js');
  const scope = preset.instrumenter.hookScope;
  preset.onStart((root) => startKernelCapture(scope, root.trace, { maxKernelSpansPerCall }));
  preset.onBeforeFinish(() => {
    const root = preset.root;
    if (root !== null) stopKernelCapture(scope, root.trace);
  });
}

/**
 * Attach the features `definition` declares to `preset` (a preset class's
 * constructor, after `super`). Returns the features that are on.
 */
export function attachFeatures(preset: Preset, definition: PresetDefinition, options: PresetFeatureOptions): ReadonlySet<PresetFeature> {
  const on = new Set<PresetFeature>();
  for (const feature of definition.features) if (FEATURES[feature](preset, options)) on.add(feature);
  return on;
}
