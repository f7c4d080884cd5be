// Times the drawing goals of issue 13 once each, on this machine, and prints
// them beside the goals: a 1,000-distinct-node call graph within 300 ms of a
// 10-node one, and a Gantt chart and a trace of 100k spans within 1 s each.
// Not a test (tests hold no timings): `npm run bench:pictures` on a quiet
// machine. Each figure is the median of 5 rounds (min–max beside it); the
// result is written to benchmarks/results/pictures.json. Exits 1 when a goal is missed.
import { renameSync, writeFileSync } from 'node:fs';
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

const ROUNDS = 5;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const loadStart = os.loadavg()[0];

await loadGraphviz();
const small = pipelineRun(1, 2, 3); // 10 call sites
const big = pipelineRun(10, 10, 9); // 1,011 call sites
const many = pipelineRun(1000, 10, 9); // 101,001 spans
await renderCallGraphSvg(small); // warm: Graphviz compiled, code paths hot
const samples = { callGraphAdded: [], gantt: [], trace: [] };
for (let round = 0; round < ROUNDS; round += 1) {
  const smallMs = await timeMs(() => renderCallGraphSvg(small, { maxNodes: 2000 }));
  const bigMs = await timeMs(() => renderCallGraphSvg(big, { maxNodes: 2000 }));
  samples.callGraphAdded.push(bigMs - smallMs);
  samples.gantt.push(await timeMs(() => renderGantt(many)));
  samples.trace.push(await timeMs(() => JSON.stringify(renderChromeTrace(many))));
}

const rows = [
  { id: 'call-graph-1000-added', what: 'call graph: 1,011 nodes minus 10 nodes', samples: samples.callGraphAdded, goalMs: 300 },
  { id: 'gantt-100k', what: `Gantt chart: ${many.spans.length} spans`, samples: samples.gantt, goalMs: 1000 },
  { id: 'trace-100k', what: `trace (JSON text): ${many.spans.length} spans`, samples: samples.trace, goalMs: 1000 },
].map((row) => ({ ...row, medianMs: median(row.samples), minMs: Math.min(...row.samples), maxMs: Math.max(...row.samples) }));
const loadEnd = os.loadavg()[0];
console.log(`node ${process.version} · ${os.cpus().length} CPUs · 1-minute load average ${loadStart.toFixed(2)} → ${loadEnd.toFixed(2)} · ${ROUNDS} rounds`);
for (const row of rows) {
  const verdict = row.medianMs <= row.goalMs ? 'ok  ' : 'SLOW';
  console.log(`${verdict} ${row.what}: ${row.medianMs.toFixed(0)} ms (${row.minMs.toFixed(0)}–${row.maxMs.toFixed(0)}) (goal ≤ ${row.goalMs} ms)`);
}
const result = {
  format: 'stagescope-bench-pictures/1',
  finishedAt: new Date().toISOString(),
  environment: { node: process.version, platform: process.platform, arch: process.arch, cpus: os.cpus().length },
  loadAverage: { start: loadStart, end: loadEnd },
  rounds: ROUNDS,
  figures: rows.map(({ id, what, samples: values, medianMs, minMs, maxMs, goalMs }) => ({ id, title: what, unit: 'ms', samples: values, medianMs, minMs, maxMs, goal: { kind: 'max', value: goalMs }, verdict: medianMs <= goalMs ? 'ok' : 'miss' })),
};
const out = new URL('../benchmarks/results/pictures.json', import.meta.url);
const temporary = new URL(`../benchmarks/results/.pictures.json.${process.pid}.tmp`, import.meta.url);
writeFileSync(temporary, `${JSON.stringify(result, null, 2)}\n`);
renameSync(temporary, out);
console.log(`written: benchmarks/results/pictures.json`);
process.exitCode = rows.every((row) => row.medianMs <= row.goalMs) ? 0 : 1;
