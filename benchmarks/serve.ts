/**
 * `npm run bench:serve` — what tracing costs a served model: requests/s and
 * latency percentiles of examples/serve/server.mjs (PaddleOCR on
 * onnxruntime-node + sharp over node:http)
 *
 *   baseline    node examples/serve/server.mjs               no tracing
 *   stagescope  node examples/serve/server.driver.mjs        OcrLatency preset, request trees + store (+ page route)
 *   otel        node examples/serve/server.otel.mjs          OpenTelemetry SDK: HttpInstrumentation server spans,
 *                                                            BatchSpanProcessor, no-op exporter
 *
 * side by side in one run. Each variant is its own child process (no shared
 * JIT, heap or patched modules), all started up front; the load generator is
 * this process: N concurrent loops over one keep-alive agent per variant on
 * loopback, each route bounded by a request count AND a time limit, after a
 * warm-up. The variants take turns in short slices (round robin), so a change
 * in machine load during the run hits all of them alike. Routes: /healthz (no
 * model: the per-request cost of the middleware itself), /classify (the cls
 * model, ~10 ms) and /ocr (det → cls → rec, ~200 ms).
 *
 * Environment: BENCH_CONCURRENCY (default 4), BENCH_SECONDS (per route and
 * variant, default 4), BENCH_ROUTES (default healthz,classify,ocr),
 * BENCH_VARIANTS (default baseline,stagescope,otel).
 * Besides requests/s and latency, the server process's own CPU per request
 * (from /proc): the cost of tracing that does not depend on machine load.
 * Not a timed test: numbers depend on the machine; read them side by side.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
/** Length of one turn of one variant; the variants alternate until each had SECONDS. */
const SLICE_SECONDS = 0.5;
const IMAGE = readFileSync(path.join(repoRoot, 'test/fixtures/images/hello.png'));

interface RouteSpec {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body: Buffer | undefined;
  /** Upper bound of measured requests (the time limit usually ends it first for slow routes). */
  maxRequests: number;
  warmup: number;
}

const ROUTES: Record<string, RouteSpec> = {
  healthz: { name: 'GET /healthz', method: 'GET', path: '/healthz', body: undefined, maxRequests: 50_000, warmup: 500 },
  classify: { name: 'POST /classify', method: 'POST', path: '/classify', body: IMAGE, maxRequests: 5_000, warmup: 20 },
  ocr: { name: 'POST /ocr', method: 'POST', path: '/ocr', body: IMAGE, maxRequests: 1_000, warmup: 4 },
};

const VARIANTS: Record<string, string> = {
  baseline: 'examples/serve/server.mjs',
  stagescope: 'examples/serve/server.driver.mjs',
  otel: 'examples/serve/server.otel.mjs',
};

interface Result {
  route: string;
  variant: string;
  requests: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
  /** Server process CPU (user + system) per measured request, µs; NaN where /proc is missing. */
  serverCpuUsPerRequest: number;
}

/**
 * CPU time the server process used so far (user + system), µs, from
 * /proc/<pid>/stat: unlike requests/s it does not depend on what else the
 * machine runs (the load generator shares the CPUs).
 */
function processCpuUs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
    return (ticks / CLOCK_TICKS_PER_SECOND) * 1e6;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

function startServer(script: string): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, script)], {
      cwd: repoRoot,
      env: { ...process.env, PORT: '0', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (match !== null) resolve({ child, port: Number(match[1]) });
    });
    child.on('exit', (code) => reject(new Error(`${script} exited (${code}) before listening:\n${out}\n${err}`)));
  });
}

function send(agent: http.Agent, port: number, route: RouteSpec): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: route.path, method: route.method, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
      res.on('error', () => resolve(false));
    });
    req.on('error', () => resolve(false));
    req.end(route.body);
  });
}

interface Accumulator {
  latenciesMs: number[];
  errors: number;
  seconds: number;
  cpuUs: number;
}

async function warmUp(agent: http.Agent, port: number, route: RouteSpec): Promise<void> {
  let warm = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (warm++ < route.warmup) await send(agent, port, route);
    }),
  );
}

/** One slice of load on one server: at most `sliceSeconds`, at most `maxRequests` in total. */
async function slice(agent: http.Agent, port: number, pid: number, route: RouteSpec, sliceSeconds: number, into: Accumulator): Promise<void> {
  const startNs = process.hrtime.bigint();
  const startCpuUs = processCpuUs(pid);
  const deadlineNs = startNs + BigInt(Math.round(sliceSeconds * 1e9));
  let started = into.latenciesMs.length;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (started < route.maxRequests && process.hrtime.bigint() < deadlineNs) {
        started++;
        const t0 = process.hrtime.bigint();
        const ok = await send(agent, port, route);
        into.latenciesMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (!ok) into.errors++;
      }
    }),
  );
  into.seconds += Number(process.hrtime.bigint() - startNs) / 1e9;
  into.cpuUs += processCpuUs(pid) - startCpuUs;
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function formatMs(ms: number): string {
  return Number.isNaN(ms) ? '–' : ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(1)} ms`;
}

function table(results: Result[]): string {
  const header = ['route', 'variant', 'requests', 'errors', 'req/s', 'vs baseline', 'p50', 'p99', 'p99 vs baseline', 'server CPU/req', 'vs baseline'];
  const rows: string[][] = [];
  const baseline = new Map<string, { rps: number; p99: number; cpu: number }>();
  for (const r of results) {
    const sorted = [...r.latenciesMs].sort((a, b) => a - b);
    const rps = r.requests / r.seconds;
    const p99 = percentile(sorted, 0.99);
    if (r.variant === 'baseline') baseline.set(r.route, { rps, p99, cpu: r.serverCpuUsPerRequest });
    const base = baseline.get(r.route);
    const rel = (value: number, of: number | undefined): string =>
      of === undefined || r.variant === 'baseline' ? '' : `${(((value - of) / of) * 100).toFixed(1).replace(/^(?!-)/, '+')}%`;
    const cpu = r.serverCpuUsPerRequest;
    const cpuText = Number.isNaN(cpu) ? '–' : cpu >= 1000 ? `${(cpu / 1000).toFixed(1)} ms` : `${cpu.toFixed(0)} µs`;
    const cpuDelta =
      base === undefined || r.variant === 'baseline' || Number.isNaN(cpu) ? '' : `${cpu - base.cpu >= 0 ? '+' : ''}${(cpu - base.cpu).toFixed(0)} µs`;
    rows.push([
      r.route,
      r.variant,
      String(r.requests),
      String(r.errors),
      rps.toFixed(1),
      rel(rps, base?.rps),
      formatMs(percentile(sorted, 0.5)),
      formatMs(p99),
      rel(p99, base?.p99),
      cpuText,
      cpuDelta,
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const routes = (process.env.BENCH_ROUTES ?? 'healthz,classify,ocr').split(',').map((name) => {
    const route = ROUTES[name.trim()];
    if (route === undefined) throw new Error(`BENCH_ROUTES: unknown route "${name}" (known: ${Object.keys(ROUTES).join(', ')})`);
    return route;
  });
  const variants = (process.env.BENCH_VARIANTS ?? 'baseline,stagescope,otel').split(',').map((name) => name.trim());
  for (const variant of variants) {
    if (VARIANTS[variant] === undefined) throw new Error(`BENCH_VARIANTS: unknown variant "${variant}" (known: ${Object.keys(VARIANTS).join(', ')})`);
  }
  console.log(
    `bench:serve — ${CONCURRENCY} concurrent keep-alive clients on loopback, ≤${SECONDS} s per route and variant, node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(2)}`,
  );
  const servers = new Map<string, { child: ChildProcess; port: number; agent: http.Agent }>();
  const results: Result[] = [];
  try {
    for (const variant of variants) {
      const { child, port } = await startServer(VARIANTS[variant]!);
      servers.set(variant, { child, port, agent: new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY }) });
    }
    const rounds = Math.max(1, Math.round(SECONDS / SLICE_SECONDS));
    for (const route of routes) {
      const acc = new Map<string, Accumulator>(variants.map((v) => [v, { latenciesMs: [], errors: 0, seconds: 0, cpuUs: 0 }]));
      for (const variant of variants) {
        const server = servers.get(variant)!;
        await warmUp(server.agent, server.port, route);
      }
      for (let round = 0; round < rounds; round++) {
        for (const variant of variants) {
          const server = servers.get(variant)!;
          await slice(server.agent, server.port, server.child.pid!, route, SECONDS / rounds, acc.get(variant)!);
        }
      }
      for (const variant of variants) {
        const a = acc.get(variant)!;
        console.log(`  ${variant.padEnd(10)} ${route.name.padEnd(15)} ${a.latenciesMs.length} requests in ${a.seconds.toFixed(1)} s`);
        results.push({
          route: route.name,
          variant,
          requests: a.latenciesMs.length,
          errors: a.errors,
          seconds: a.seconds,
          latenciesMs: a.latenciesMs,
          serverCpuUsPerRequest: a.cpuUs / Math.max(1, a.latenciesMs.length),
        });
      }
    }
  } finally {
    for (const { child, agent } of servers.values()) {
      agent.destroy();
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    }
  }
  // group by route so each route's variants sit together
  results.sort(
    (a, b) =>
      routes.findIndex((r) => r.name === a.route) - routes.findIndex((r) => r.name === b.route) || variants.indexOf(a.variant) - variants.indexOf(b.variant),
  );
  console.log(`\n${table(results)}`);
  console.log(
    '\nserver CPU/req: user+system CPU of the server process per request (/proc/<pid>/stat), independent of what else the machine runs; req/s and latency are not.',
  );
}

await main();
