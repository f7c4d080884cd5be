// Rows 6 and 8 of `npm run bench:cost`: N awaited calls of a tiny async function.
//
//   node tiny-loop.mjs n=200000                      plain: no tracer, no AsyncLocalStorage
//   node --import stagescope/register tiny-loop.mjs  stagescope (the parent sets STAGESCOPE_TARGETS etc.)
//
// The OpenTelemetry variant (tiny-otel.mjs) runs the same loop (tiny-loop-core.mjs).
import { work } from 'bench-tiny-lib';
import { report } from './report.mjs';
import { runTinyLoop } from './tiny-loop-core.mjs';

report(await runTinyLoop(work));
