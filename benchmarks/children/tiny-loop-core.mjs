// The loop shared by tiny-loop.mjs (plain, stagescope) and tiny-otel.mjs, so the
// variants differ only in what wraps `work`.
import { intArg, median } from './report.mjs';

const BATCHES = 20;

/**
 * Warm up (N/10 calls: JIT, first allocations, a tracer's lazy set-up), then
 * time N sequential awaited calls with process.hrtime, in 20 batches.
 * `perCallNs` is the median batch's ns per call: on a shared machine one batch
 * that lost the CPU to another process does not move it. `loopNs` and
 * `scriptNs` are totals (what reported overhead is compared with);
 * `scriptCpuNs` is the process CPU time over the same span (less sensitive to load).
 * @param {(x: number) => Promise<number>} call
 */
export async function runTinyLoop(call) {
  const n = intArg('n', 200_000);
  const scriptStart = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let acc = 0;
  const warm = Math.max(1, Math.floor(n / 10));
  for (let i = 0; i < warm; i++) acc = await call(acc);
  const batchCalls = Math.max(1, Math.floor(n / BATCHES));
  const batchPerCallNs = [];
  const loopStart = process.hrtime.bigint();
  let calls = 0;
  while (calls < n) {
    const size = Math.min(batchCalls, n - calls);
    const batchStart = process.hrtime.bigint();
    for (let i = 0; i < size; i++) acc = await call(acc);
    batchPerCallNs.push(Number(process.hrtime.bigint() - batchStart) / size);
    calls += size;
  }
  const end = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpuStart);
  if (acc !== n + warm) throw new Error(`tiny loop: work returned ${acc}, expected ${n + warm}`);
  const loopNs = Number(end - loopStart);
  return {
    n,
    warm,
    calls: n + warm,
    perCallNs: median(batchPerCallNs),
    meanCallNs: loopNs / n,
    loopNs,
    scriptNs: Number(end - scriptStart),
    scriptCpuNs: (cpu.user + cpu.system) * 1000,
  };
}
