// Rows 6 and 8 of `npm run bench:cost`: N awaited calls of a tiny async function.
//
//   node tiny-loop.mjs n=200000                      plain: no tracer, no AsyncLocalStorage
//   node --import stagescope/register tiny-loop.mjs  stagescope (the parent sets STAGESCOPE_TARGETS etc.)
//
// The OpenTelemetry variant (tiny-otel.mjs) and the AsyncLocalStorage-only
// variant (tiny-als.mjs) run the same loop (tiny-loop-core.mjs).
import { work } from 'bench-tiny-lib';
import { report } from './report.mjs';
import { runTinyLoop } from './tiny-loop-core.mjs';

/**
 * Which AsyncLocalStorage the process has, as far as it can tell: `stagescope`
 * when stagescope's storage exists (src/core/context.ts keeps it under this
 * registered symbol); `none` when, besides that, nothing was preloaded
 * (no --import, --require or NODE_OPTIONS) — this script and bench-tiny-lib
 * make none; `unknown` otherwise. The parent checks that the plain baseline of
 * the AsyncLocalStorage row says `none`.
 */
function asyncContext() {
  if (globalThis[Symbol.for('stagescope.context.v1')] !== undefined) return 'stagescope';
  if (process.execArgv.length === 0 && (process.env.NODE_OPTIONS ?? '').trim() === '') return 'none';
  return 'unknown';
}

report({ ...(await runTinyLoop(work)), asyncContext: asyncContext() });
