// Row 7 of `npm run bench:cost`: N calls of a tiny sync function, traced by
// stagescope with the budget off, with and without the per-span probes
// (STAGESCOPE_PROBES=memory,cpu,disk,network, set by the parent). Sync, so only
// the span and its probes are timed. 20 batches; `perCallNs` is the median
// batch's ns per call (robust to another process taking the CPU for a while).
//
// `spin=150` calls `spin(x, 150)` instead, busy for 150 µs of wall time: a
// target whose calls are long enough for the probes to take their readings (a
// tiny function's spans take none: READINGS_MIN_NS in
// src/probes/per-span-readings.ts). A few µs on a 150 µs call is below what
// two processes' per-call times differ by, so this mode pairs in one process:
// blocks of calls with the tracer's probes and without them (its `probes`
// list emptied between blocks, when no span is open), in ABBA order;
// `probesAddedNs` is the median over pairs of blocks of (with − without), each
// block's figure its median call.
import { add, spin } from 'bench-tiny-lib';
import { intArg, median, report } from './report.mjs';

const n = intArg('n', 20_000);
const spinUs = process.argv.includes('spin=0') ? 0 : intArg('spin', 0);
const call = spinUs > 0 ? (x) => spin(x, spinUs) : add;
let acc = 0;
for (let i = 0; i < Math.max(1, Math.floor(n / 10)); i++) acc = call(acc);

if (spinUs > 0) {
  report({ n, spinUs, ...pairedProbes() });
} else {
  const batches = 20;
  const batchCalls = Math.max(1, Math.floor(n / batches));
  const batchPerCallNs = [];
  const start = process.hrtime.bigint();
  for (let calls = 0; calls < n; ) {
    const size = Math.min(batchCalls, n - calls);
    const batchStart = process.hrtime.bigint();
    for (let i = 0; i < size; i++) acc = call(acc);
    batchPerCallNs.push(Number(process.hrtime.bigint() - batchStart) / size);
    calls += size;
  }
  const loopNs = Number(process.hrtime.bigint() - start);
  if (acc <= n) throw new Error(`probe loop: add returned ${acc}`);
  report({ n, perCallNs: median(batchPerCallNs), meanCallNs: loopNs / n, loopNs });
}

/** Blocks of `call` with the running tracer's probes and without them, in ABBA order (see the top of this file). */
function pairedProbes() {
  // The running preset's tracer (src/api/active-tracer.ts keeps it there, for every copy of stagescope).
  const tracer = globalThis[Symbol.for('stagescope.active-tracer.v1')]?.tracer;
  if (tracer === undefined || tracer === null || tracer.probes.length === 0) {
    throw new Error('probe-loop.mjs spin=…: run it under --import stagescope/register with STAGESCOPE_PROBES set');
  }
  const probes = tracer.probes.slice();
  const callsPerBlock = 10;
  const blocks = Math.max(2, Math.floor(n / callsPerBlock / 2));
  const callNs = new Float64Array(callsPerBlock);
  const addedNs = [];
  try {
    for (let block = 0; block < blocks; block++) {
      const perBlockNs = { on: 0, off: 0 };
      for (const mode of block % 2 === 0 ? ['on', 'off'] : ['off', 'on']) {
        tracer.probes.length = 0;
        if (mode === 'on') tracer.probes.push(...probes);
        for (let i = 0; i < callsPerBlock; i++) {
          const start = process.hrtime.bigint();
          acc = call(acc);
          callNs[i] = Number(process.hrtime.bigint() - start);
        }
        perBlockNs[mode] = median(callNs);
      }
      addedNs.push(perBlockNs.on - perBlockNs.off);
    }
  } finally {
    tracer.probes.length = 0;
    tracer.probes.push(...probes);
  }
  if (acc <= n) throw new Error(`probe loop: spin returned ${acc}`);
  return { blocks, callsPerBlock, probesAddedNs: median(addedNs), minAddedNs: Math.min(...addedNs), maxAddedNs: Math.max(...addedNs) };
}
