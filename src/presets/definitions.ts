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
 * Data only, in a file of its own so the preset classes can read their row
 * without importing the registry (which loads them); a feature's code is
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
