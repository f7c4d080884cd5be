// A tesseract.js scheduler with four workers reading images in parallel (CommonJS).
//
//   node examples/ocr/tesseract-scheduler.cjs [image ...]
//
// Prints "<file>: <text>" per image, in the order given. Defaults to the two
// test images, twice each (four jobs for four workers).

const path = require('node:path');
const { createScheduler, createWorker } = require('tesseract.js');

const repoRoot = path.resolve(__dirname, '../..');
const images = process.argv.slice(2);
if (images.length === 0) {
  for (const name of ['hello.png', 'receipt.png', 'hello.png', 'receipt.png']) images.push(path.join(repoRoot, 'test/fixtures/images', name));
}
const langPath = path.join(path.dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');
const WORKERS = 4;

async function main() {
  const scheduler = createScheduler();
  const workers = await Promise.all(
    Array.from({ length: WORKERS }, () => createWorker('eng', 1, { langPath, gzip: true, cacheMethod: 'none' })),
  );
  for (const worker of workers) scheduler.addWorker(worker);
  const results = await Promise.all(images.map((image) => scheduler.addJob('recognize', image)));
  results.forEach(({ data }, index) => {
    console.log(`${path.basename(images[index])}: ${data.text.trim().replace(/\s+/g, ' ')}`);
  });
  await scheduler.terminate();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
