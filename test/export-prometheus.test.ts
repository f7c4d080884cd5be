import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { resetDiagnostics, takeDiagnostics } from '../src/core/diagnostics.js';
import { Tracer } from '../src/core/tracer.js';
import { createMetricsHandler, PrometheusMetrics, serveMetrics, type MetricsServer } from '../src/export/index.js';
import { tempDir } from './helpers.js';
import { closedPort } from './export-receiver.js';
import { fakeRequest } from './export-fake-request.js';

const DET = 'onnxruntime-node#InferenceSession.prototype.run';

// express ships no types and @types/express is not installed: describe the little we use.
interface ExpressApp {
  get(path: string, handler: unknown): void;
  listen(port: number, host: string): import('node:http').Server;
}
const express = createRequire(import.meta.url)('express') as () => ExpressApp;

function findOnPath(binary: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, binary);
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return null;
}

/** A registry with a few observations: stage spans from a live tracer, and finished requests. */
function populatedMetrics(options: { maxLabelValues?: number; registry?: Registry } = {}): PrometheusMetrics {
  const metrics = new PrometheusMetrics({ preset: 'onnx', ...options });
  const tracer = new Tracer();
  metrics.attach(tracer);
  for (let i = 0; i < 3; i++) {
    tracer.trace('request', () => {
      tracer.trace('det', () => {}, { stage: 'detection', target: DET });
      tracer.trace('rec', () => {}, { stage: 'recognition', target: DET });
    });
  }
  metrics.observeRequest(fakeRequest('/predict', 200, [{ stage: 'detection', target: DET, durationNs: 4_000_000 }]));
  metrics.observeRequest(fakeRequest('/predict', 503, [{ stage: 'detection', target: DET, durationNs: 9_000_000 }]));
  return metrics;
}

describe('Prometheus metrics (prom-client)', () => {
  it('exposes stage histograms and golden signals in the text format', async () => {
    const metrics = populatedMetrics();
    const text = await metrics.registry.metrics();
    metrics.close();
    assert.match(text, /stagescope_stage_duration_seconds_count\{preset="onnx",stage="detection",target="onnxruntime-node#InferenceSession.prototype.run"\} 5/);
    assert.match(text, /stagescope_stage_duration_seconds_bucket\{le="0\.005",preset="onnx",stage="detection",target="[^"]+"\} 4/);
    assert.match(text, /stagescope_stage_duration_seconds_count\{preset="onnx",stage="recognition",target="[^"]+"\} 3/);
    assert.match(text, /stagescope_http_requests_total\{route="\/predict",method="GET",status="200"\} 1/);
    assert.match(text, /stagescope_http_requests_total\{route="\/predict",method="GET",status="503"\} 1/);
    assert.match(text, /stagescope_http_request_errors_total\{route="\/predict",method="GET"\} 1/);
    assert.match(text, /stagescope_http_request_duration_seconds_count\{route="\/predict",method="GET"\} 2/);
    assert.match(text, /stagescope_event_loop_delay_seconds\{stat="p99"\} [0-9.e-]+/);
    assert.match(text, /stagescope_heap_used_bytes [1-9]\d+/);
    assert.match(text, /stagescope_resident_memory_bytes [1-9]\d+/);
    assert.doesNotMatch(text, /stage="none"/, 'the request root (no stage, no target) is not a stage observation');
  });

  it('caps label cardinality: values past maxLabelValues fold into "other", counted and reported once', async () => {
    resetDiagnostics();
    const metrics = new PrometheusMetrics({ maxLabelValues: 3, saturation: false });
    for (let i = 0; i < 10; i++) metrics.observeRequest(fakeRequest(`/users/${i}`, 200, []));
    const text = await metrics.registry.metrics();
    assert.equal((text.match(/^stagescope_http_requests_total\{/gm) ?? []).length, 4);
    assert.match(text, /stagescope_http_requests_total\{route="other",method="GET",status="200"\} 7/);
    assert.match(text, /stagescope_label_values_folded_total\{label="route"\} 7/);
    assert.equal(metrics.limiter.folded.get('route'), 7);
    const folded = takeDiagnostics().filter((d) => d.code === 'SS_LABEL_VALUES_FOLDED');
    assert.equal(folded.length, 1);
    assert.match(folded[0]!.message, /maxLabelValues/);
  });

  it('registers into the app’s own registry, and refuses to register twice', () => {
    const registry = new Registry();
    const metrics = new PrometheusMetrics({ registry, saturation: false });
    assert.equal(metrics.registry, registry);
    assert.ok(registry.getSingleMetric('stagescope_stage_duration_seconds'));
    assert.throws(() => new PrometheusMetrics({ registry }), /already been registered/);
    assert.throws(() => new PrometheusMetrics({ prefix: 'bad-prefix' }), /option prefix/);
    assert.throws(() => new PrometheusMetrics({ maxLabelValues: 0 }), /option maxLabelValues/);
  });

  it('the /metrics handler works in node:http, Express and Fastify', async () => {
    const metrics = populatedMetrics({ registry: new Registry() });
    metrics.close();
    const handler = createMetricsHandler(metrics.registry);
    const expectMetrics = async (url: string): Promise<void> => {
      const response = await fetch(url);
      assert.equal(response.status, 200, url);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      assert.match(await response.text(), /stagescope_stage_duration_seconds_bucket/);
    };
    const standalone = await serveMetrics({ registry: metrics.registry, port: 0 });
    await expectMetrics(standalone.url);
    assert.equal((await fetch(standalone.url.replace('/metrics', '/other'))).status, 404);
    assert.equal((await fetch(standalone.url, { method: 'POST' })).status, 405);
    await standalone.close();

    const app = express();
    app.get('/metrics', handler);
    const expressServer = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => expressServer.once('listening', resolve));
    await expectMetrics(`http://127.0.0.1:${(expressServer.address() as AddressInfo).port}/metrics`);
    await new Promise((resolve) => expressServer.close(resolve));

    const fastify = Fastify();
    fastify.get('/metrics', handler);
    const address = await fastify.listen({ port: 0, host: '127.0.0.1' });
    await expectMetrics(`${address}/metrics`);
    await fastify.close();
  });
});

const prometheusBinary = findOnPath('prometheus');

describe(
  'a real Prometheus server scrapes the endpoint',
  { skip: prometheusBinary === null ? 'the prometheus binary is not installed (Debian: apt-get install -y prometheus)' : false },
  () => {
    let metrics: PrometheusMetrics;
    let endpoint: MetricsServer;
    let prometheus: ChildProcess | null = null;
    let prometheusPort = 0;
    let prometheusLog = '';

    before(async () => {
      metrics = populatedMetrics();
      endpoint = await serveMetrics({ registry: metrics.registry, port: 0 });
      prometheusPort = await closedPort();
      const dir = tempDir('stagescope-prometheus-');
      const config = path.join(dir, 'prometheus.yml');
      writeFileSync(
        config,
        [
          'global:',
          '  scrape_interval: 1s',
          '  evaluation_interval: 1s',
          'scrape_configs:',
          '  - job_name: stagescope',
          '    static_configs:',
          `      - targets: ['127.0.0.1:${endpoint.port}']`,
          '',
        ].join('\n'),
      );
      prometheus = spawn(
        prometheusBinary!,
        [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${prometheusPort}`, '--log.level=warn'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      prometheus.stdout!.setEncoding('utf8').on('data', (chunk: string) => (prometheusLog += chunk));
      prometheus.stderr!.setEncoding('utf8').on('data', (chunk: string) => (prometheusLog += chunk));
    });

    after(async () => {
      if (prometheus !== null && prometheus.exitCode === null) {
        const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
        prometheus.kill('SIGTERM');
        const timer = setTimeout(() => prometheus?.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await endpoint?.close();
      metrics?.close();
    });

    /** Poll the query API until `accept` likes the result (bounded: 30 s). */
    async function queryUntil(
      query: string,
      accept: (result: { metric: Record<string, string>; value: [number, string] }[]) => boolean,
    ): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
      const deadline = Date.now() + 30_000;
      let last = '';
      while (Date.now() < deadline) {
        if (prometheus?.exitCode !== null) throw new Error(`prometheus exited (${String(prometheus?.exitCode)}): ${prometheusLog}`);
        try {
          const response = await fetch(`http://127.0.0.1:${prometheusPort}/api/v1/query?query=${encodeURIComponent(query)}`);
          last = await response.text();
          if (response.ok) {
            const body = JSON.parse(last) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
            if (body.status === 'success' && accept(body.data.result)) return body.data.result;
          }
        } catch (error) {
          last = String(error); // not listening yet
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      throw new Error(`Prometheus query ${query} did not return the expected series within 30 s; last answer: ${last}\nlog: ${prometheusLog}`);
    }

    it('its query API returns the stage histogram series with preset, stage and target labels', async () => {
      const result = await queryUntil('stagescope_stage_duration_seconds_count', (series) => series.length >= 2);
      const detection = result.find((series) => series.metric.stage === 'detection');
      assert.ok(detection, JSON.stringify(result));
      assert.equal(detection.metric.preset, 'onnx');
      assert.equal(detection.metric.target, DET);
      assert.equal(detection.metric.job, 'stagescope');
      assert.equal(Number(detection.value[1]), 5);
      const buckets = await queryUntil('stagescope_stage_duration_seconds_bucket{stage="detection"}', (series) => series.length > 5);
      assert.ok(buckets.some((series) => series.metric.le === '+Inf' && Number(series.value[1]) === 5));
      const p99 = await queryUntil('histogram_quantile(0.99, sum by (le, stage) (stagescope_stage_duration_seconds_bucket))', (series) => series.length >= 2);
      assert.ok(p99.every((series) => Number.isFinite(Number(series.value[1]))));
    });

    it('and the golden signals per route', async () => {
      const traffic = await queryUntil('sum by (route) (stagescope_http_requests_total)', (series) => series.length === 1);
      assert.equal(traffic[0]!.metric.route, '/predict');
      assert.equal(Number(traffic[0]!.value[1]), 2);
      const errors = await queryUntil('stagescope_http_request_errors_total', (series) => series.length === 1);
      assert.equal(Number(errors[0]!.value[1]), 1);
      await queryUntil('stagescope_event_loop_delay_seconds{stat="p99"}', (series) => series.length === 1);
      await queryUntil('stagescope_heap_used_bytes', (series) => series.length === 1 && Number(series[0]!.value[1]) > 0);
    });
  },
);
