// An API gateway in front of the OCR service (examples/serve/server.mjs): it
// shrinks the uploaded image with sharp, asks the OCR service over HTTP (fetch),
// and answers with the text only. It knows nothing about stagescope:
// gateway.driver.mjs adds tracing without editing this file.
//
//   OCR_URL=http://127.0.0.1:8080/ocr node examples/two-services/gateway.mjs   (PORT to pick the port)
//   curl --data-binary @test/fixtures/images/hello.png http://127.0.0.1:<port>/read
//
// Routes: POST /read  body: an image -> {"text": "…", "lines": n};  GET /healthz -> ok
// Prints "listening on http://127.0.0.1:<port>" once ready. SIGTERM/SIGINT close it.

import http from 'node:http';
import sharp from 'sharp';

const OCR_URL = process.env.OCR_URL ?? 'http://127.0.0.1:8080/ocr';
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const MAX_SIDE_PX = 1600;

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
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

const server = http.createServer(async (req, res) => {
  try {
    if (req.method === 'GET' && req.url === '/healthz') return send(res, 200, 'ok');
    if (req.method !== 'POST' || req.url !== '/read') return send(res, 404, { error: 'not found' });
    const upload = await readBody(req);
    // Phones send 4000 px photos; the OCR service does not need more than this.
    const image = await sharp(upload).resize({ width: MAX_SIDE_PX, height: MAX_SIDE_PX, fit: 'inside', withoutEnlargement: true }).png().toBuffer();
    const answer = await fetch(OCR_URL, { method: 'POST', body: image, headers: { 'content-type': 'image/png' } });
    if (!answer.ok) return send(res, 502, { error: `OCR service answered ${answer.status}` });
    const { lines } = await answer.json();
    return send(res, 200, { text: lines.map((line) => line.text).join('\n'), lines: lines.length });
  } catch (error) {
    return send(res, error.status ?? 500, { error: String(error.message ?? error) });
  }
});

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    server.close();
    server.closeIdleConnections();
  });
}
