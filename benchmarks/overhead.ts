/**
 * `npm run bench:overhead` — the per-call cost a tracer adds to a wrapped async
 * function: stagescope vs the OpenTelemetry JS SDK (BasicTracerProvider +
 * AsyncLocalStorageContextManager, BatchSpanProcessor with a no-op exporter) vs
 * no instrumentation, side by side in one process.
 *
 * Method: the three variants run interleaved in rounds (so drift, GC and CPU
 * frequency hit them alike); each round times `ITERATIONS` sequential awaited
 * calls; we report the median ns per call over the rounds and subtract the
 * uninstrumented median to get the *added* cost. Both tracers record every call
 * inside an active root span (a real trace), and both keep or queue the spans they
 * make (stagescope's bounded recorder, OTel's batch queue).
 */
import { context, trace as otelTrace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { Tracer } from '../src/core/tracer.js';
import { wrapFunction } from '../src/instrument/wrap.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

async function work(x: number): Promise<number> {
  return x + 1;
}

type Variant = { name: string; call: (x: number) => Promise<number>; inRoot: <T>(fn: () => Promise<T>) => Promise<T> };

function noInstrumentation(): Variant {
  return { name: 'none', call: work, inRoot: (fn) => fn() };
}

function stagescopeVariant(): Variant {
  const tracer = new Tracer({ maxSpans: 100_000 });
  const wrapped = wrapFunction(work, {
    name: 'work', stage: 'detection', target: 'bench#work', record: true, callback: false, hook: undefined, onResult: undefined, switch: { enabled: true },
  }, tracer);
  return {
    name: 'stagescope',
    call: wrapped,
    inRoot: (fn) => {
      const root = tracer.startSpan('run', { parent: null });
      return tracer.withSpan(root, fn).finally(() => tracer.endSpan(root));
    },
  };
}

function otelVariant(): Variant {
  const noopExporter: SpanExporter = {
    export(_spans: ReadableSpan[], done) { done({ code: 0 }); },
    shutdown: async () => undefined,
  };
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(noopExporter)] });
  const tracer = provider.getTracer('bench');
  // The usual shape of an OpenTelemetry instrumentation's wrapper for an async function.
  const wrapped = (x: number): Promise<number> => {
    const span = tracer.startSpan('work', { attributes: { 'stagescope.stage': 'detection' } });
    return context.with(otelTrace.setSpan(context.active(), span), () => work(x)).then(
      (value) => { span.end(); return value; },
      (error: unknown) => { span.recordException(error as Error); span.end(); throw error; },
    );
  };
  return {
    name: 'opentelemetry',
    call: wrapped,
    inRoot: (fn) => tracer.startActiveSpan('run', (root) => fn().finally(() => root.end())),
  };
}

async function timeRound(variant: Variant): Promise<number> {
  return variant.inRoot(async () => {
    const start = process.hrtime.bigint();
    let acc = 0;
    for (let i = 0; i < ITERATIONS; i++) acc = await variant.call(acc);
    const elapsedNs = Number(process.hrtime.bigint() - start);
    if (acc !== ITERATIONS) throw new Error('benchmark work returned a wrong value');
    return elapsedNs / ITERATIONS;
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const variants = [noInstrumentation(), stagescopeVariant(), otelVariant()];
  const samples = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
  for (const variant of variants) await timeRound(variant); // warm-up: JIT and first allocations
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of round % 2 === 0 ? variants : [...variants].reverse()) samples.get(variant.name)!.push(await timeRound(variant));
    process.stderr.write(`\rround ${round + 1}/${ROUNDS}`);
  }
  process.stderr.write('\n');
  const baseNs = median(samples.get('none')!);
  const addedNs = (name: string): number => median(samples.get(name)!) - baseNs;
  const ours = addedNs('stagescope');
  const otel = addedNs('opentelemetry');
  const rows = [
    ['variant', 'ns/call (median)', 'added ns/call'],
    ['no instrumentation', baseNs.toFixed(0), '—'],
    ['stagescope', median(samples.get('stagescope')!).toFixed(0), ours.toFixed(0)],
    ['OpenTelemetry SDK (batch, no-op exporter)', median(samples.get('opentelemetry')!).toFixed(0), otel.toFixed(0)],
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  for (const row of rows) console.log(row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('  '));
  console.log(`\nstagescope adds ${ours.toFixed(0)} ns per wrapped async call; OpenTelemetry adds ${otel.toFixed(0)} ns: ${(otel / ours).toFixed(1)}x (target: >= 3x cheaper)`);
  console.log(`(${ROUNDS} interleaved rounds x ${ITERATIONS} awaited calls; node ${process.version}; ${new Date().toISOString().slice(0, 10)})`);
}

await main();
