import assert from 'node:assert/strict';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { FinishedRequest } from '../src/core/request-events.js';
import { fixture, repoRoot } from './helpers.js';
import { assertTree, request } from './serve-fixtures.js';

const SERVER = path.join(repoRoot, 'examples/serve/server.mjs');
const DRIVER = path.join(repoRoot, 'examples/serve/server.driver.mjs');
const HELLO = readFileSync(fixture('images/hello.png'));

// ------------------------------------------------------------------ child role
// Forked with STAGESCOPE_TEST_ROLE=memory-child: the example server under the
// ocr preset (as the driver runs it), answering heap questions over IPC.
if (process.env.STAGESCOPE_TEST_ROLE === 'memory-child') {
  const { OcrLatency } = await import('../src/presets/ocr/ocr-latency.js');
  const { ServeScope } = await import('../src/serve/serve-scope.js');
  // A small span ring so it is full after the warm-up: what is left to grow would be a leak.
  const preset = new OcrLatency({ maxSpans: 1000, quiet: true });
  const scope = new ServeScope(preset).instrumentHttpServers();
  process.on('message', (message) => {
    if (message !== 'heap') return;
    const gc = (globalThis as { gc?: () => void }).gc!;
    gc();
    gc();
    process.send!({
      heapUsedBytes: process.memoryUsage().heapUsed,
      stored: scope.store.size,
      total: scope.store.total,
      evicted: scope.store.evicted,
      storeBytes: scope.store.bytes,
    });
  });
  await preset.run(SERVER);
  // The server closed on SIGTERM (its own handler) and the run ended: this child is
  // done. Without exiting here it would go on to the tests below and fork again.
  process.exit(0);
}

/** Wait for the server's "listening on http://127.0.0.1:<port>" line. */
function portOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (match !== null) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before listening:\n${out}\n${err}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('examples/serve: an unmodified ONNX OCR server, traced by a one-line driver', () => {
  it('each request gets its own det → cls → rec tree and the headers; the startup tree prints at shutdown', async () => {
    assert.doesNotMatch(readFileSync(SERVER, 'utf8'), /from ['"]stagescope|require\(['"]stagescope/, 'the server file does not import stagescope');
    const child = spawn(process.execPath, [DRIVER], {
      cwd: repoRoot,
      env: { ...process.env, PORT: '0', NODE_ENV: 'development' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    try {
      const port = await portOf(child);
      const ocr = await request(port, '/ocr', {
        method: 'POST',
        headers: { 'x-request-id': 'ocr-1', 'content-type': 'image/png' },
        body: HELLO as unknown as string,
      });
      assert.equal(ocr.status, 200, ocr.body);
      assert.equal((JSON.parse(ocr.body) as { lines: { text: string }[] }).lines[0]?.text, 'Hello stagescope');
      assert.equal(ocr.headers['x-request-id'], 'ocr-1');
      assert.match(String(ocr.headers['x-latency']), /^\d+\.\d{3}ms$/);
      const cls = await request(port, '/classify', { method: 'POST', body: HELLO as unknown as string });
      assert.equal((JSON.parse(cls.body) as { label: string }).label, '0');

      let tree: FinishedRequest | undefined;
      for (let attempt = 0; attempt < 50 && tree === undefined; attempt++) {
        const api = await request(port, '/stagescope/api/requests/ocr-1');
        if (api.status === 200) tree = JSON.parse(api.body) as FinishedRequest;
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(tree !== undefined, 'the request is in the store, readable from the page API');
      assertTree(tree);
      assert.equal(tree.spans[0]!.name, 'POST /ocr');
      const runs = tree.spans.filter((span) => span.name.startsWith('InferenceSession.run'));
      assert.deepEqual(
        runs.map((span) => span.stage),
        ['detection', 'classification', 'recognition'],
      );
      assert.ok(
        runs.every((span) => span.parentId === tree!.rootSpanId),
        'the model runs nest under the request root',
      );
      assert.ok(
        tree.spans.some((span) => span.stage === 'preprocess'),
        'sharp preprocessing is in the tree',
      );
      const page = await request(port, '/stagescope/tracing');
      assert.equal(page.status, 405);
    } finally {
      child.kill('SIGTERM');
      await exited(child);
    }
    assert.match(stderr, /● run .*\[OH/);
    assert.match(stderr, /InferenceSession\.create ch_PP-OCRv4_det_infer\.onnx \[load\]/, 'model loading is in the startup tree');
  });

  it('memory stays bounded over 10k requests with the store on (heap after GC)', async () => {
    const child = fork(fileURLToPath(import.meta.url), [], {
      cwd: repoRoot,
      // NODE_TEST_CONTEXT would make the child a test-runner subprocess that owns its stdout
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, STAGESCOPE_TEST_ROLE: 'memory-child', PORT: '0' },
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const heap = (): Promise<{ heapUsedBytes: number; stored: number; total: number; evicted: number; storeBytes: number }> =>
      new Promise((resolve) => {
        child.once('message', (message) => resolve(message as never));
        child.send('heap');
      });
    try {
      const port = await portOf(child);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
      let sent = 0;
      const load = async (count: number): Promise<void> => {
        const worker = async (): Promise<void> => {
          while (sent < count) {
            const n = sent++;
            // every 100th request runs the model, so stored trees have real spans
            const reply =
              n % 100 === 0
                ? await request(port, '/classify', { method: 'POST', body: HELLO as unknown as string, agent })
                : await request(port, '/healthz', { agent });
            assert.equal(reply.status, 200);
          }
        };
        await Promise.all(Array.from({ length: 16 }, worker));
      };
      await load(2_000);
      const warm = await heap();
      await load(10_000);
      const end = await heap();
      agent.destroy();
      const growthBytes = end.heapUsedBytes - warm.heapUsedBytes;
      console.log(
        `# heap after GC: ${(warm.heapUsedBytes / 2 ** 20).toFixed(1)} MiB after 2k requests, ${(end.heapUsedBytes / 2 ** 20).toFixed(1)} MiB after 10k; store ${end.stored} kept, ${end.evicted} evicted, ~${(end.storeBytes / 1024).toFixed(0)} KiB`,
      );
      assert.ok(end.total >= 10_000, `the store saw every request (${end.total})`);
      assert.equal(end.stored, 500, 'the store holds its bound');
      assert.ok(end.evicted >= 9_000);
      // 8000 more requests: a leak of even 300 bytes per request would exceed this
      assert.ok(growthBytes < 2.5 * 2 ** 20, `heap grew ${(growthBytes / 2 ** 20).toFixed(2)} MiB over 8000 requests`);
    } finally {
      // the IPC channel would keep the child alive after the server closed
      if (child.connected) child.disconnect();
      child.kill('SIGTERM');
      await exited(child);
    }
  });
});
