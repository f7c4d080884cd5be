import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { BufferedTransport } from '../src/export/index.js';
import { fixture, runNode } from './helpers.js';

/** A backend that takes connections and never answers. */
async function silentBackend(): Promise<{ port: number; connections: () => number; close: () => void }> {
  const sockets = new Set<net.Socket>();
  let seen = 0;
  const server = net.createServer((socket) => {
    seen++;
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => seen,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

describe('exporter bounds', () => {
  it('shutdown(deadline) returns within its deadline even with a batch in flight and retries left', { timeout: 20_000 }, async () => {
    let attempts = 0;
    // A send that never settles unless aborted: the backend hangs.
    const transport = new BufferedTransport<number>(
      (_batch, signal) =>
        new Promise<void>((_resolve, reject) => {
          attempts++;
          signal.addEventListener('abort', () => reject(new Error('aborted')));
        }),
      { name: 'test', flushIntervalMs: 0, timeoutMs: 600_000, maxRetries: 5, initialBackoffMs: 1 },
    );
    transport.enqueueMany([1, 2, 3]);
    // Before the fix this waited for the 600 s attempt timeout (and then the retries).
    await transport.shutdown(200);
    assert.equal(transport.stats.dropped, 3, 'what was not delivered by the deadline is dropped and counted');
    assert.equal(transport.stats.inFlight, 0);
    assert.equal(attempts, 1, 'no retry started past the deadline');
    assert.equal(transport.enqueue(4), false, 'refuses new items after shutdown');
  });

  it('retries never start when their backoff would end past the deadline', { timeout: 20_000 }, async () => {
    let attempts = 0;
    const transport = new BufferedTransport<number>(
      async () => {
        attempts++;
        throw new Error('backend down');
      },
      { name: 'test', flushIntervalMs: 0, timeoutMs: 1000, maxRetries: 10, initialBackoffMs: 60_000, maxBackoffMs: 60_000 },
    );
    transport.enqueue(1);
    await transport.shutdown(500);
    assert.equal(attempts, 1);
    assert.equal(transport.stats.dropped, 1);
  });

  it('an export in flight to a silent backend never keeps a finished script alive (Zipkin and OTLP)', { timeout: 60_000 }, async () => {
    const backend = await silentBackend();
    try {
      const result = await runNode([fixture('export/in-flight-app.mjs'), String(backend.port)], { timeoutMs: 50_000 });
      assert.equal(result.signal, null, 'exited by itself, not killed by the timeout');
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, 'work done\n');
      assert.ok(backend.connections() >= 2, 'both exports were in flight');
    } finally {
      backend.close();
    }
  });
});
