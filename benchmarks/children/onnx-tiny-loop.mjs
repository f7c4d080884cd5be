// Row 3b of `npm run bench:cost`: InferenceSession.run on a one-node model
// (tiny-onnx-model.mjs, a few µs a call), warm, sequential, single-threaded.
// Reports the per-call median and mean wall time, the process CPU time per call,
// and (Node ≥ 22) the main thread's CPU time per call: onnxruntime runs the
// model on a thread of its own, so the main thread's time is the JavaScript
// around the call — onnxruntime's binding, and in the traced process the
// wrapper and the onnx hooks.
//
//   node onnx-tiny-loop.mjs n=20000                                   plain
//   node --import stagescope/register/ocr onnx-tiny-loop.mjs n=20000  traced (default settings)
import ort from 'onnxruntime-node';
import { intArg, median, report } from './report.mjs';
import { tinyOnnxModel } from './tiny-onnx-model.mjs';

const n = intArg('n', 20_000);
const warm = intArg('warm', 2000);
const session = await ort.InferenceSession.create(tinyOnnxModel(4), { intraOpNumThreads: 1, interOpNumThreads: 1 });
const feeds = { x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [1, 4]) };
const check = await session.run(feeds);
if (Array.from(check.y.data).join(',') !== '2,4,6,8') throw new Error(`the tiny model computed ${Array.from(check.y.data)}, not x + x`);

for (let i = 0; i < warm; i++) await session.run(feeds);
const perCallNs = new Float64Array(n);
const threadCpu = typeof process.threadCpuUsage === 'function' ? () => process.threadCpuUsage() : null;
const cpuStart = process.cpuUsage();
const threadStart = threadCpu?.();
for (let i = 0; i < n; i++) {
  const start = process.hrtime.bigint();
  await session.run(feeds);
  perCallNs[i] = Number(process.hrtime.bigint() - start);
}
const cpu = process.cpuUsage(cpuStart);
const thread = threadCpu === null ? null : process.threadCpuUsage(threadStart);
let total = 0;
for (const ns of perCallNs) total += ns;
report({
  n,
  warm,
  onnxTiny: {
    calls: warm + n + 1,
    timed: n,
    medianNs: median(perCallNs),
    meanNs: total / n,
    cpuPerCallNs: ((cpu.user + cpu.system) * 1000) / n,
    ...(thread === null ? {} : { threadCpuPerCallNs: ((thread.user + thread.system) * 1000) / n }),
  },
});
