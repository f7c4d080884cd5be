// Row 7 of `npm run bench:cost`: N calls of a tiny sync function, traced by
// stagescope with the budget off, with and without the per-span probes
// (STAGESCOPE_PROBES=memory,cpu,disk,network, set by the parent). Sync, so only
// the span and its probes are timed. 20 batches; `perCallNs` is the median
// batch's ns per call (robust to another process taking the CPU for a while).
import { add } from 'bench-tiny-lib';
import { intArg, median, report } from './report.mjs';

const n = intArg('n', 20_000);
const batches = 20;
let acc = 0;
for (let i = 0; i < Math.max(1, Math.floor(n / 10)); i++) acc = add(acc);
const batchCalls = Math.max(1, Math.floor(n / batches));
const batchPerCallNs = [];
const start = process.hrtime.bigint();
for (let calls = 0; calls < n;) {
  const size = Math.min(batchCalls, n - calls);
  const batchStart = process.hrtime.bigint();
  for (let i = 0; i < size; i++) acc = add(acc);
  batchPerCallNs.push(Number(process.hrtime.bigint() - batchStart) / size);
  calls += size;
}
const loopNs = Number(process.hrtime.bigint() - start);
if (acc <= n) throw new Error(`probe loop: add returned ${acc}`);
report({ n, perCallNs: median(batchPerCallNs), meanCallNs: loopNs / n, loopNs });
