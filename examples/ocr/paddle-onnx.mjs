// PaddleOCR (PP-OCRv4 det + mobile v2 cls + PP-OCRv4 rec) on onnxruntime-node.
//
//   node examples/ocr/paddle-onnx.mjs [image] [--json]
//
// Prints one recognised line per row, top to bottom: text, a tab, confidence.
// With --json a final {"lines":[...]} line follows. The image defaults to
// test/fixtures/images/receipt.png.

import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The pipeline is CommonJS so that paddle-onnx.cjs can share it.
const { createOcr } = createRequire(import.meta.url)('./lib/paddle-pipeline.cjs');

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const json = args.includes('--json');
const image = args.find((a) => !a.startsWith('--')) ?? path.join(repoRoot, 'test/fixtures/images/receipt.png');

const ocr = await createOcr();
const lines = await ocr.read(image);
for (const { text, confidence } of lines) console.log(`${text}\t${confidence.toFixed(3)}`);
if (json) console.log(JSON.stringify({ lines }));
