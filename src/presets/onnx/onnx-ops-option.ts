import { createRequire } from 'node:module';
import type { OnnxOpsOptions } from './onnx-ops.js';
import type { Preset } from '../preset.js';
import { RUN_OPTIONS } from '../options/run-options.js';
import { switchOrEnv } from '../options/preset-fields.js';

export type { OnnxOpsOptions } from './onnx-ops.js';

const load = createRequire(import.meta.url);

/**
 * The ONNX op-level drill-down, loaded only when asked for (option `ops`,
 * `--onnx-ops`, STAGESCOPE_ONNX_OPS): the profiler and its profile readers are
 * start-up cost for every OCR and ONNX run otherwise. Options are still checked
 * (a bad `treeKernels` throws) whether or not `ops` is on.
 */
export function attachOnnxOpsIfAsked(preset: Preset, options: OnnxOpsOptions): boolean {
  const ops = switchOrEnv(RUN_OPTIONS.onnxOps, options.ops);
  if (!ops && options.treeKernels === undefined) return false;
  return (load('./onnx-ops.js') as typeof import('./onnx-ops.js')).attachOnnxOps(preset, options) !== null;
}
