// The PaddleOCR pipeline of examples/ocr/paddle-onnx.mjs with every
// onnxruntime session created at a chosen graph optimisation level.
//
//   node examples/compare/paddle-opt-level.mjs <disabled|basic|extended|all> [image]
//
// The pipeline itself is unchanged: this is what a user does to try a session
// option without editing a library: set a default for the option on
// InferenceSession.create, then run the pipeline as before. Compare two levels
// with:
//
//   stagescope bench --preset onnx --repeat 10 \
//     -- examples/compare/paddle-opt-level.mjs disabled -- vs -- examples/compare/paddle-opt-level.mjs all

import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const LEVELS = ['disabled', 'basic', 'extended', 'all'];
const [level, imageArg] = process.argv.slice(2);
if (!LEVELS.includes(level)) {
  console.error(`usage: node examples/compare/paddle-opt-level.mjs <${LEVELS.join('|')}> [image]`);
  process.exit(2);
}

// The same onnxruntime-node instance the pipeline requires (one CJS module cache).
const ort = require('onnxruntime-node');
const create = ort.InferenceSession.create;
ort.InferenceSession.create = function createWithLevel(model, options, ...rest) {
  const withLevel = typeof options === 'object' && options !== null ? { graphOptimizationLevel: level, ...options } : { graphOptimizationLevel: level };
  return create.call(this, model, withLevel, ...rest);
};

const { createOcr } = require('../ocr/lib/paddle-pipeline.cjs');
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const image = imageArg ?? path.join(repoRoot, 'test/fixtures/images/receipt.png');

const ocr = await createOcr();
const lines = await ocr.read(image);
for (const { text, confidence } of lines) console.log(`${text}\t${confidence.toFixed(3)}`);
