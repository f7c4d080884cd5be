/**
 * `npm run bench:probes` — what each probe costs.
 *
 * 1. Per-span cost of each built-in probe, in ns: a tight loop of calls to a
 *    wrapped no-op function (sync, so only the span and the probes are timed),
 *    inside a root span, with the probe on vs off. Variants run interleaved in
 *    rounds so drift and GC hit them alike; the median ns per call of the
 *    rounds is reported, and the cost is (probe on) − (probes off).
 * 2. The background samplers' own main-thread time per second of run.
 * 3. Whole runs: `OcrLatency` latency-only vs `probes: ['all']` on the
 *    tesseract.js and PaddleOCR (onnxruntime) examples, each run in a fresh
 *    process through the CLI; median of RUNS runs of the reported overhead (OH)
 *    and background-probe time.
 *
 * Environment: BENCH_ITERATIONS (default 20000), BENCH_ROUNDS (15), BENCH_RUNS (3).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nowNs } from '../src/core/clock.js';
import type { SpanProbe } from '../src/core/probe.js';
import type { RunDocument } from '../src/core/run-document.js';
import { Tracer } from '../src/core/tracer.js';
import { wrapFunction } from '../src/instrument/wrap.js';
import type { BackgroundSampler } from '../src/probes/background-sampler.js';
import { PROBE_NAMES, resolveProbes } from '../src/probes/registry.js';

/** A whole-number setting from the environment, at least `min`; a bad value stops the bench naming it. */
function envCount(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    console.error(`bench:probes: ${name} must be a whole number ≥ ${min}, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

const ITERATIONS = envCount('BENCH_ITERATIONS', 20_000, 1);
const ROUNDS = envCount('BENCH_ROUNDS', 15, 1);
/** 0 skips the whole runs (part 3). */
const RUNS = envCount('BENCH_RUNS', 3, 0);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function noop(x: number): number {
  return x + 1;
}

interface Variant {
  name: string;
  /** ns per call of one round */
  round(): number;
  close(): void;
}

function variant(name: string, probes: SpanProbe[]): Variant {
  const tracer = new Tracer({ maxSpans: 10_000, probes });
  for (const probe of probes) probe.activate?.();
  const wrapped = wrapFunction(
    noop,
    { name: 'noop', stage: null, target: 'bench#noop', record: true, callback: false, hook: undefined, onResult: undefined, switch: { enabled: true } },
    tracer,
  );
  const root = tracer.startSpan('run', { parent: null });
  tracer.ambientRoot = root;
  return {
    name,
    round: () =>
      tracer.withSpan(root, () => {
        let sum = 0;
        const startNs = nowNs();
        for (let i = 0; i < ITERATIONS; i++) sum += wrapped(i);
        const perCallNs = (nowNs() - startNs) / ITERATIONS;
        if (sum === -1) console.log(sum); // keep the loop
        return perCallNs;
      }),
    close: () => {
      tracer.endSpan(root);
      for (const probe of probes) probe.deactivate?.();
    },
  };
}

function perSpanCosts(): { name: string; medianNs: number; addedNs: number }[] {
  const spanProbeNames = PROBE_NAMES.filter((name) => resolveProbes([name]).spanProbes.length > 0);
  const variants = [
    variant('off', []),
    ...spanProbeNames.map((name) => variant(name, resolveProbes([name]).spanProbes)),
    variant('all', resolveProbes(['all']).spanProbes),
  ];
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (const v of variants) v.round(); // warm-up: JIT and lazy initialisation
  for (let round = 0; round < ROUNDS; round++) for (const v of variants) samples.get(v.name)!.push(v.round());
  for (const v of variants) v.close();
  const offNs = median(samples.get('off')!);
  return variants.map((v) => {
    const medianNs = median(samples.get(v.name)!);
    return { name: v.name, medianNs, addedNs: v.name === 'off' ? 0 : medianNs - offNs };
  });
}

async function samplerCosts(seconds: number): Promise<{ name: string; perSecondNs: number }[]> {
  const samplers: BackgroundSampler[] = resolveProbes(['system', 'eventloop']).samplers;
  const startNs = nowNs();
  for (const sampler of samplers) sampler.start(startNs);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  for (const sampler of samplers) sampler.stop();
  const elapsedS = (nowNs() - startNs) / 1e9;
  return samplers.map((sampler) => ({ name: sampler.name, perSecondNs: sampler.overheadNs / elapsedS }));
}

interface RunCost {
  durationNs: number;
  overheadNs: number;
  backgroundNs: number;
  wrappedCalls: number;
}

function traceRun(script: string, probes: string | null, out: string): RunCost | string {
  const args = [path.join(repoRoot, 'build/src/cli/main.js'), 'run', '--preset', 'ocr', '--quiet', '--json', out];
  if (probes !== null) args.push('--probes', probes);
  args.push('--', script);
  const result = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 180_000 });
  if (result.status !== 0) return `exit ${result.status}: ${result.stderr.trim().split('\n').pop() ?? ''}`;
  const doc = JSON.parse(readFileSync(out, 'utf8')) as RunDocument;
  return { durationNs: doc.durationNs, overheadNs: doc.overheadNs, backgroundNs: doc.samplerOverheadNs ?? 0, wrappedCalls: doc.wrappedCalls };
}

function fmtNs(ns: number): string {
  if (Math.abs(ns) < 1e3) return `${ns.toFixed(0)} ns`;
  if (Math.abs(ns) < 1e6) return `${(ns / 1e3).toFixed(1)} µs`;
  if (Math.abs(ns) < 1e9) return `${(ns / 1e6).toFixed(1)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i === 0 ? ':' : '-') + '-'.repeat(w) + (i === 0 ? '-' : ':')).join('|')}|`, ...rows.map(line)].join('\n');
}

console.log(
  `stagescope probe costs — node ${process.version}, ${os.cpus().length} CPUs, ${os.platform()}, load average ${os.loadavg()[0]!.toFixed(1)} (costs grow with load); ${ITERATIONS} calls × ${ROUNDS} rounds\n`,
);
const perSpan = perSpanCosts();
console.log('Per-span cost (wrapped sync no-op; median ns per call; added = probe on − probes off):\n');
console.log(
  table(
    ['probe', 'ns per call', 'added ns per span'],
    perSpan.map((row) => [row.name, row.medianNs.toFixed(0), row.name === 'off' ? '—' : row.addedNs.toFixed(0)]),
  ),
);

const samplers = await samplerCosts(3);
console.log('\nBackground samplers (main-thread time they spend, per second of run):\n');
console.log(
  table(
    ['sampler', 'per second', 'share of one core'],
    samplers.map((row) => [row.name, fmtNs(row.perSecondNs), `${((row.perSecondNs / 1e9) * 100).toFixed(3)}%`]),
  ),
);

const examples = [
  ['tesseract.js', path.join(repoRoot, 'examples/ocr/tesseract.mjs')],
  ['PaddleOCR (onnxruntime)', path.join(repoRoot, 'examples/ocr/paddle-onnx.mjs')],
] as const;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'stagescope-bench-probes-'));
const rows: string[][] = [];
for (const [label, script] of RUNS === 0 ? [] : examples) {
  const results: Record<'latency' | 'all', RunCost[]> = { latency: [], all: [] };
  let failure: string | null = null;
  for (let run = 0; run < RUNS && failure === null; run++) {
    for (const mode of ['latency', 'all'] as const) {
      const cost = traceRun(script, mode === 'all' ? 'all' : null, path.join(tmp, `${mode}-${run}.json`));
      if (typeof cost === 'string') failure = `${label} (${mode}): ${cost}`;
      else results[mode].push(cost);
    }
  }
  if (failure !== null) {
    console.error(`\nskipped ${failure}`);
    continue;
  }
  for (const mode of ['latency', 'all'] as const) {
    const runs = results[mode];
    const durationNs = median(runs.map((r) => r.durationNs));
    const overheadNs = median(runs.map((r) => r.overheadNs));
    const backgroundNs = median(runs.map((r) => r.backgroundNs));
    rows.push([
      label,
      mode === 'all' ? 'OcrLatency, probes: all' : 'OcrLatency (latency only)',
      String(runs[0]!.wrappedCalls),
      fmtNs(durationNs),
      fmtNs(overheadNs),
      mode === 'all' ? fmtNs(backgroundNs) : '—',
      `${(((overheadNs + backgroundNs) / durationNs) * 100).toFixed(2)}%`,
    ]);
  }
}
rmSync(tmp, { recursive: true, force: true });
if (RUNS === 0) {
  console.log('\nWhole runs: skipped (BENCH_RUNS=0).');
} else {
  console.log(
    `\nWhole runs (median of ${RUNS} fresh processes each; OH = time inside wrappers incl. per-span probes; background = samplers, GC observer, network handlers):\n`,
  );
  console.log(table(['example', 'preset', 'wrapped calls', 'run', 'OH', 'background', 'total / run'], rows));
}
