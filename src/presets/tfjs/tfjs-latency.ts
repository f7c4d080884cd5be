import { attachFeatures } from '../providers.js';
import { PRESET_DEFINITIONS } from '../definitions.js';
import { Preset, type PresetOptions } from '../preset.js';

const DEFINITION = PRESET_DEFINITIONS.tfjs;

export interface TfjsLatencyOptions extends PresetOptions {
  /**
   * Kernel-level drill-down: run every traced model call (GraphModel
   * predict/execute/executeAsync, LayersModel.predict, face-api `forwardInput`)
   * under tfjs's own profiler and add one child span per kernel (kernel name,
   * input/output shapes, backend-reported `kernelTimeMs`) plus a per-kernel-type
   * aggregate on the call (`kernelTypes: "Conv2D 61% (12×), …"`). Profiling
   * times every kernel, so calls get slower; use it to see *which* ops cost, not
   * for latency numbers. Never nested with a `tf.profile` the script runs itself.
   * Default: false, or true when the environment has STAGESCOPE_TFJS_KERNELS=1
   * (how `node --import stagescope/register/tfjs` and `stagescope run --tfjs-kernels`
   * turn it on).
   */
  kernels?: boolean;
  /** Kernel child spans per call (the aggregate still counts all). Default 2000. */
  maxKernelSpansPerCall?: number;
}

/**
 * Latency of TensorFlow.js pipelines on any backend (tfjs-node's 'tensorflow',
 * wasm, cpu, webgl): backend setup, `loadGraphModel` / `loadLayersModel`,
 * `GraphModel.predict` / `execute` / `executeAsync`, `LayersModel.predict`,
 * image tensor creation and readbacks (`data`, `dataSync`, `array`,
 * `arraySync`), each with the backend name; and @vladmandic/face-api's nets as
 * stages (detector and landmarks → detection, descriptor → recognition,
 * age/gender and expressions → classification). Targets and features:
 * `PRESET_DEFINITIONS.tfjs` (registry.ts: presets/tfjs.yaml, presets/face-api.yaml).
 *
 * @example
 * import { TfjsLatency } from 'stagescope';
 * await new TfjsLatency().run('./face.mjs');
 * await new TfjsLatency({ kernels: true }).run('./face.mjs'); // + per-kernel children
 */
export class TfjsLatency extends Preset {
  /** True when kernel-level drill-down is on (option `kernels`, else STAGESCOPE_TFJS_KERNELS). */
  readonly kernels: boolean;

  constructor(options: TfjsLatencyOptions = {}) {
    super(DEFINITION.name, DEFINITION.targetFiles, options);
    this.kernels = attachFeatures(this, DEFINITION, options).has('tfjs-kernels');
  }
}
