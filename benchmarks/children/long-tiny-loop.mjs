// Row 6 of `npm run bench:cost`, late in a process: the tiny async loop of
// tiny-loop.mjs, in batches of 100,000 awaited calls, until the process has
// run `untilMs` ms (default 3,200). `latePerCallNs` is the median batch of
// those that started `lateFromMs` ms (default 2,400, or three quarters of an
// `untilMs` below 3,200) or more after the process started; `earlyPerCallNs`
// that of the batches that ended between 500 and 2,000 ms. `batches` lists
// every batch as [seconds since the process started, ns per call].
//
// Why: tiny-loop.mjs ends about 0.5 s after start-up, and what changes later
// in a process never shows there. On Node 22, a span's `endNs` field changed
// representation when a clock reading passed 2^31 ns, 2.15 s after stagescope
// loaded, and every wrapped call cost three times as much from then on
// (docs/overhead.md, one-off measurement M11).
//
//   node long-tiny-loop.mjs                          plain: no tracer, no AsyncLocalStorage
//   node --import stagescope/register long-tiny-loop.mjs   stagescope (STAGESCOPE_TARGETS=tiny.targets.json)
import { work } from 'bench-tiny-lib';
import { intArg, median, report } from './report.mjs';

const untilMs = intArg('untilMs', 3200);
// Without lateFromMs, 2,400 ms, or three quarters of a shorter run.
const lateFromMs = intArg('lateFromMs', Math.min(2400, Math.floor(untilMs * 0.75)));
if (lateFromMs >= untilMs) throw new Error(`long-tiny-loop.mjs: lateFromMs (${lateFromMs}) must be less than untilMs (${untilMs})`);
const CALLS_PER_BATCH = 100_000;

const uptimeMs = () => process.uptime() * 1000;
const batches = [];
const early = [];
const late = [];
let acc = 0;
let calls = 0;
while (uptimeMs() < untilMs) {
  const startedMs = uptimeMs();
  const startNs = process.hrtime.bigint();
  for (let i = 0; i < CALLS_PER_BATCH; i++) acc = await work(acc);
  const perCallNs = Number(process.hrtime.bigint() - startNs) / CALLS_PER_BATCH;
  calls += CALLS_PER_BATCH;
  const endedMs = uptimeMs();
  batches.push([Number((endedMs / 1000).toFixed(3)), Math.round(perCallNs)]);
  if (endedMs >= 500 && endedMs <= 2000) early.push(perCallNs);
  if (startedMs >= lateFromMs) late.push(perCallNs);
}
if (acc !== calls) throw new Error(`long-tiny-loop.mjs: work returned ${acc}, expected ${calls}`);
if (late.length === 0) throw new Error(`long-tiny-loop.mjs: no batch started at or after ${lateFromMs} ms (the last ended at ${uptimeMs().toFixed(0)} ms)`);
report({
  untilMs,
  lateFromMs,
  callsPerBatch: CALLS_PER_BATCH,
  earlyPerCallNs: early.length === 0 ? null : median(early),
  latePerCallNs: median(late),
  lateBatches: late.length,
  batches,
});
