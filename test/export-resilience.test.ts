import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tracer } from '../src/core/tracer.js';
import { BufferedTransport, EXPORT_DROPPED_WARNING_CODE, OtlpSpanExporter } from '../src/export/index.js';
import { fixture, runNode } from './helpers.js';
import { closedPort, startReceiver } from './export-receiver.js';

interface ChildReport {
  ok: number;
  failed: number;
  heapAfterWarmupBytes: number;
  heapAtEndBytes: number;
  stats: Record<'otlp' | 'zipkin', { queued: number; inFlight: number; sent: number; dropped: number; failedAttempts: number }>;
  statsAfterShutdown: Record<'otlp' | 'zipkin', { queued: number; inFlight: number; sent: number; dropped: number }>;
  warnings: string[];
}

describe('exporter down: the app is unaffected', () => {
  it('10k requests through a traced app exporting to a closed port: all served, spans dropped and counted, one warning per exporter, heap flat', async () => {
    const port = await closedPort();
    const result = await runNode(['--expose-gc', fixture('export/closed-port-app.mjs'), String(port), '10000'], { timeoutMs: 50_000 });
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as ChildReport;
    assert.equal(report.ok, 10_000, 'every request answered 200 ok');
    assert.equal(report.failed, 0);
    for (const name of ['otlp', 'zipkin'] as const) {
      const stats = report.statsAfterShutdown[name];
      assert.equal(stats.sent, 0);
      // 3 spans per request; nothing is kept after shutdown: every span was either dropped or (never) sent.
      assert.equal(stats.dropped, 30_000, `${name} dropped every span and counted it`);
      assert.equal(stats.queued + stats.inFlight, 0);
      // Bounded while running: never more than maxQueueItems (1000) held.
      assert.ok(report.stats[name].queued + report.stats[name].inFlight <= 1000);
      assert.equal(report.warnings.filter((message) => message.includes(`stagescope ${name} exporter`)).length, 1, `one ${name} warning`);
    }
    assert.equal(report.warnings.length, 2);
    assert.equal((result.stderr.match(new RegExp(EXPORT_DROPPED_WARNING_CODE, 'g')) ?? []).length, 2, 'process.emitWarning printed once per exporter');
    // Flat: what 8000 more requests (24k spans) leave on the heap after GC. A per-span leak of even 100 bytes would be 2.4 MB.
    const growthBytes = report.heapAtEndBytes - report.heapAfterWarmupBytes;
    assert.ok(growthBytes < 2 * 1024 * 1024, `heap grew ${growthBytes} bytes over 8000 requests`);
  });

  it('a backend that comes back gets the spans queued while it was down', async () => {
    const receiver = await startReceiver();
    let up = false;
    const delivered: number[] = [];
    const transport = new BufferedTransport<number>(
      async (batch) => {
        if (!up) throw new Error('ECONNREFUSED');
        delivered.push(...batch);
      },
      { name: 'test', maxQueueItems: 10, maxBatchItems: 5, flushIntervalMs: 5, maxRetries: 0 },
    );
    for (let i = 0; i < 5; i++) transport.enqueue(i);
    await transport.flush();
    assert.deepEqual(transport.stats, { queued: 0, inFlight: 0, sent: 0, dropped: 5, failedAttempts: 1 });
    up = true;
    for (let i = 5; i < 10; i++) transport.enqueue(i);
    await transport.shutdown();
    assert.deepEqual(delivered, [5, 6, 7, 8, 9]);
    assert.equal(transport.stats.sent, 5);
    await receiver.close();
  });

  it('a send that never settles is abandoned after timeoutMs, and a send that throws synchronously is a failure', async () => {
    const hanging = new BufferedTransport<number>(() => new Promise<void>(() => {}), { name: 'hang', timeoutMs: 30, maxRetries: 0 });
    hanging.enqueue(1);
    await hanging.shutdown();
    assert.equal(hanging.stats.dropped, 1);
    const throwing = new BufferedTransport<number>(
      () => {
        throw new Error('boom');
      },
      { name: 'throw', maxRetries: 1, initialBackoffMs: 1 },
    );
    throwing.enqueue(1);
    await throwing.shutdown();
    assert.deepEqual(throwing.stats, { queued: 0, inFlight: 0, sent: 0, dropped: 1, failedAttempts: 2 });
  });

  it('exporters run with tracing suppressed: an exporter’s own HTTP calls never become spans', async () => {
    const receiver = await startReceiver();
    const tracer = new Tracer();
    const exporter = new OtlpSpanExporter({ url: receiver.url('/v1/traces'), protocol: 'http/json', serviceName: 'x', flushIntervalMs: 1 });
    const seen: string[] = [];
    tracer.onSpanEnd((span) => seen.push(span.name));
    exporter.attach(tracer);
    // A span that is current while the export timer is armed: the timer's callback inherits this context.
    await tracer.trace('app-work', async () => {
      const inner = tracer.startSpan('inner');
      tracer.endSpan(inner);
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    await exporter.shutdown();
    assert.deepEqual(seen, ['inner', 'app-work']);
    assert.equal(exporter.stats.sent, 2);
    await receiver.close();
  });
});
