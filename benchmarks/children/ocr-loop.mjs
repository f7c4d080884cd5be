// Row 8 of `npm run bench:cost`: the PaddleOCR pipeline of examples/ocr (det →
// cls → rec on onnxruntime-node + sharp), created once and run on the receipt
// image `iterations` times (default 30). The script's own time (from its first
// statement: loading the libraries, creating the sessions, the reads) is what
// the parent compares with the run document's reported OH.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { intArg, report } from './report.mjs';

const scriptStart = process.hrtime.bigint();
const cpuStart = process.cpuUsage();
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const iterations = intArg('iterations', 30);
// Loaded here, not by a static import, so that loading (and patching) the libraries is in the timed part.
const require = createRequire(import.meta.url);
const { createOcr } = require(path.join(repoRoot, 'examples/ocr/lib/paddle-pipeline.cjs'));
const image = path.join(repoRoot, 'test/fixtures/images/receipt.png');
// Single-threaded, as in model-loop.mjs: with their thread pools, onnxruntime's
// spinning workers and libvips made the 30 iterations' wall time vary by
// ±200 ms between processes, ten times the tracing cost being measured.
require('sharp').concurrency(1);
const ocr = await createOcr({ sessionOptions: { intraOpNumThreads: 1, interOpNumThreads: 1 } });
const loopStart = process.hrtime.bigint();
let lines = 0;
for (let i = 0; i < iterations; i++) lines += (await ocr.read(image)).length;
const end = process.hrtime.bigint();
const cpu = process.cpuUsage(cpuStart);
if (lines === 0) throw new Error('ocr loop: nothing recognised in receipt.png');
report({ iterations, lines, loopNs: Number(end - loopStart), scriptNs: Number(end - scriptStart), scriptCpuNs: (cpu.user + cpu.system) * 1000 });
