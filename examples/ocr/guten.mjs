// PaddleOCR (PP-OCRv4) through @gutenye/ocr-node: detection → recognition.
//
//   node examples/ocr/guten.mjs [image]
//
// Prints one recognised line per row: text, a tab, mean confidence. The image
// defaults to test/fixtures/images/receipt.png.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ocr from '@gutenye/ocr-node';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const image = process.argv[2] ?? path.join(repoRoot, 'test/fixtures/images/receipt.png');

const ocr = await Ocr.create();
const lines = await ocr.detect(image);
for (const { text, mean } of lines) console.log(`${text}\t${mean.toFixed(3)}`);
