// The module-load row of `npm run bench:cost`: the time to load the PaddleOCR
// example's pipeline module and the libraries it requires (onnxruntime-node,
// sharp and their own modules, about 190 resolutions), timed inside the
// process so that start-up and the run's end are not part of it.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { report } from './report.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const start = process.hrtime.bigint();
require(path.join(repoRoot, 'examples/ocr/lib/paddle-pipeline.cjs'));
report({ loadNs: Number(process.hrtime.bigint() - start) });
