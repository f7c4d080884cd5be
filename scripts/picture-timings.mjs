// Times the drawing goals of issue 13 once each, on this machine, and prints
// them beside the goals: a 1,000-distinct-node call graph within 300 ms of a
// 10-node one, and a Gantt chart and a trace of 100k spans within 1 s each.
// Not a test (tests hold no timings): run it after `npm run build`, on a quiet
// machine: `node scripts/picture-timings.mjs`. Exits 1 when a goal is missed.
import os from 'node:os';
import { performance } from 'node:perf_hooks';

const build = new URL('../build/src/', import.meta.url);
const { loadGraphviz, renderCallGraphSvg } = await import(new URL('render/call-graph/svg.js', build).href);
const { renderGantt } = await import(new URL('render/gantt.js', build).href);
const { renderChromeTrace } = await import(new URL('render/chrome-trace.js', build).href);
const { RUN_FORMAT } = await import(new URL('core/run-document.js', build).href);

/** A run of `pages` pages, each with `models` model runs of `ops` ops: 1 + p + p·m + p·m·o spans, as many distinct call sites. */
function pipelineRun(pages, models, ops) {
  const spans = [];
  const add = (parentId, name, stage, startNs, durationNs, selfNs = 0) => {
    const id = String(spans.length + 1);
    spans.push({ id, parentId, traceId: 't', name, stage, target: null, startNs, durationNs, selfNs, status: 'ok', error: null, metrics: {}, attributes: {} });
    return id;
  };
  const pageNs = 1e8;
  const root = add(null, 'run', null, 0, pages * pageNs);
  for (let page = 0; page < pages; page += 1) {
    const pageId = add(root, `page ${page}`, null, page * pageNs, 0.9 * pageNs);
    for (let model = 0; model < models; model += 1) {
      const modelStart = page * pageNs + model * 9e6;
      const modelId = add(pageId, `InferenceSession.run model_${model}.onnx`, 'detection', modelStart, 8e6);
      for (let op = 0; op < ops; op += 1) add(modelId, `op ${op}`, null, modelStart + op * 8e5, 7e5, 7e5);
    }
  }
  return {
    format: RUN_FORMAT,
    preset: 'custom',
    command: ['timings.mjs'],
    startedAt: new Date(0).toISOString(),
    durationNs: pages * pageNs,
    overheadNs: 0,
    wrappedCalls: spans.length,
    droppedSpans: 0,
    exitCode: 0,
    error: null,
    spans,
  };
}

async function timeMs(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

await loadGraphviz();
const small = pipelineRun(1, 2, 3); // 10 call sites
const big = pipelineRun(10, 10, 9); // 1,011 call sites
await renderCallGraphSvg(small); // warm: Graphviz compiled, code paths hot
const smallMs = await timeMs(() => renderCallGraphSvg(small, { maxNodes: 2000 }));
const bigMs = await timeMs(() => renderCallGraphSvg(big, { maxNodes: 2000 }));
const many = pipelineRun(1000, 10, 9); // 101,001 spans
const ganttMs = await timeMs(() => renderGantt(many));
const traceMs = await timeMs(() => JSON.stringify(renderChromeTrace(many)));

const rows = [
  ['call graph: 1,011 nodes minus 10 nodes', bigMs - smallMs, 300, `(${bigMs.toFixed(0)} − ${smallMs.toFixed(0)} ms)`],
  [`Gantt chart: ${many.spans.length} spans`, ganttMs, 1000, ''],
  [`trace (JSON text): ${many.spans.length} spans`, traceMs, 1000, ''],
];
console.log(
  `node ${process.version} · ${os.cpus().length} CPUs · load average ${os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`,
);
for (const [what, ms, goal, detail] of rows) console.log(`${ms <= goal ? 'ok  ' : 'SLOW'} ${what}: ${ms.toFixed(0)} ms (goal ≤ ${goal} ms) ${detail}`);
process.exitCode = rows.every(([, ms, goal]) => ms <= goal) ? 0 : 1;
