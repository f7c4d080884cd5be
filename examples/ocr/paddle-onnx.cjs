// CommonJS twin of paddle-onnx.mjs: same pipeline, same output.
//
//   node examples/ocr/paddle-onnx.cjs [image] [--json]

'use strict';
const path = require('node:path');
const { createOcr } = require('./lib/paddle-pipeline.cjs');

async function main() {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const image = args.find((a) => !a.startsWith('--')) ?? path.join(__dirname, '../../test/fixtures/images/receipt.png');

  const ocr = await createOcr();
  const lines = await ocr.read(image);
  for (const { text, confidence } of lines) console.log(`${text}\t${confidence.toFixed(3)}`);
  if (json) console.log(JSON.stringify({ lines }));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
