// tesseract.js on one image, offline (English LSTM model from @tesseract.js-data/eng).
//
//   node examples/ocr/tesseract.mjs [image] [--log]
//
// Prints the recognised text. With --log, every logger event is printed to
// stderr as one JSON line (`log {...}`), so a run can be checked for events the
// logger did or did not receive. The image defaults to test/fixtures/images/hello.png.

import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createWorker } from 'tesseract.js';

const require = createRequire(import.meta.url);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const image = args.find((a) => !a.startsWith('--')) ?? path.join(repoRoot, 'test/fixtures/images/hello.png');
const langPath = path.join(path.dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');

const options = { langPath, gzip: true, cacheMethod: 'none' };
if (args.includes('--log')) options.logger = (event) => process.stderr.write(`log ${JSON.stringify(event)}\n`);

const worker = await createWorker('eng', 1, options);
const { data } = await worker.recognize(image);
process.stdout.write(data.text);
await worker.terminate();
