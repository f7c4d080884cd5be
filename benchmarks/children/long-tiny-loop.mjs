// The tiny async loop of rows 6 and 8, run for longer than bench:cost runs it:
// `batches` batches of 100,000 awaited calls (default 40: 3–6 s traced), each
// printed as `<seconds since the process started>s:<ns per call>`. What it
// shows: whether a traced call costs the same late in a process as early on.
// bench:cost's loops end a few hundred ms after start-up; docs/overhead.md,
// one-off measurement M11, is what this found (a span's time fields changed
// representation 2.15 s after stagescope loaded).
//
//   STAGESCOPE_QUIET=1 STAGESCOPE_TARGETS=benchmarks/children/tiny.targets.json STAGESCOPE_MAX_OVERHEAD_PCT=off \
//     node --import stagescope/register benchmarks/children/long-tiny-loop.mjs
import { work } from 'bench-tiny-lib';
import { intArg } from './report.mjs';

const batches = intArg('batches', 40);
const callsPerBatch = 100_000;
const lines = [];
let acc = 0;
for (let batch = 0; batch < batches; batch++) {
  const startNs = process.hrtime.bigint();
  for (let i = 0; i < callsPerBatch; i++) acc = await work(acc);
  const perCallNs = Number(process.hrtime.bigint() - startNs) / callsPerBatch;
  lines.push(`${process.uptime().toFixed(2)}s:${perCallNs.toFixed(0)}`);
}
if (acc !== batches * callsPerBatch) throw new Error(`long tiny loop: work returned ${acc}, expected ${batches * callsPerBatch}`);
console.log(lines.join(' '));
