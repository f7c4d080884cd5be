import '../hook-providers.js';
import type { RunDocument } from '../../core/run-document.js';
import type { Span } from '../../core/span.js';
import { startKernelCapture, stopKernelCapture } from './tfjs-kernels.js';
import { RUN_OPTIONS } from '../options/run-options.js';
import { switchOrEnv } from '../options/preset-fields.js';
import { Preset, type PresetOptions } from '../preset.js';

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
 * age/gender and expressions → classification). Targets: presets/tfjs.yaml and
 * presets/face-api.yaml.
 *
 * @example
 * import { TfjsLatency } from 'stagescope';
 * await new TfjsLatency().run('./face.mjs');
 * await new TfjsLatency({ kernels: true }).run('./face.mjs'); // + per-kernel children
 */
export class TfjsLatency extends Preset {
  readonly kernels: boolean;
  readonly #maxKernelSpansPerCall: number;

  constructor(options: TfjsLatencyOptions = {}) {
    super('tfjs', ['tfjs.yaml', 'face-api.yaml'], options);
    this.kernels = switchOrEnv(RUN_OPTIONS.tfjsKernels, options.kernels);
    const max = options.maxKernelSpansPerCall ?? 2000;
    if (!Number.isInteger(max) || max < 0) {
      throw new RangeError(`stagescope: TfjsLatency option maxKernelSpansPerCall must be a whole number ≥ 0, got ${String(max)}`);
    }
    this.#maxKernelSpansPerCall = max;
  }

  override start(command: string[] = [], basedir?: string): Span {
    const root = super.start(command, basedir);
    root.setAttribute('tfjsKernels', this.kernels);
    if (this.kernels) startKernelCapture(root.trace, this.tracer, { maxKernelSpansPerCall: this.#maxKernelSpansPerCall });
    return root;
  }

  override finish(exitCode: number | null = null): RunDocument {
    const root = this.root;
    if (root !== null) stopKernelCapture(root.trace);
    return super.finish(exitCode);
  }
}
