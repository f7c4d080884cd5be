import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { suppressTracing } from '../../core/context.js';
import { guardedAsync } from '../../core/guarded.js';

/** The subset of a Node `ServerResponse` (also Express's `res`) the handler uses. */
interface NodeResponseLike {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/** The subset of a Fastify `reply` the handler uses. */
interface FastifyReplyLike {
  raw: unknown;
  code(status: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  send(body: string): unknown;
}

/** A `/metrics` handler for node:http, Express (`app.get('/metrics', h)`) and Fastify (`app.get('/metrics', h)`). */
export type MetricsHandler = (request: unknown, response: unknown) => Promise<void>;

function isFastifyReply(value: unknown): value is FastifyReplyLike {
  const reply = value as Partial<FastifyReplyLike> | null;
  return reply !== null && typeof reply === 'object' && reply.raw !== undefined && typeof reply.send === 'function' && typeof reply.code === 'function';
}

function respond(response: unknown, status: number, contentType: string, body: string): void {
  if (isFastifyReply(response)) {
    response.code(status).header('content-type', contentType).send(body);
    return;
  }
  const res = response as NodeResponseLike;
  res.statusCode = status;
  res.setHeader('content-type', contentType);
  res.end(body);
}

/**
 * A handler that answers with `registry`'s metrics in the Prometheus text
 * format. Runs with tracing suppressed; a failing collect callback answers 500
 * (and is reported), never throws.
 *
 * @example
 * app.get('/metrics', createMetricsHandler(metrics.registry));   // Express or Fastify
 */
export function createMetricsHandler(registry: Registry): MetricsHandler {
  return (_request, response) =>
    suppressTracing(async () => {
      const answered = await guardedAsync('SS_METRICS_COLLECT_FAILED', 'collecting Prometheus metrics failed', async () => {
        const body = await registry.metrics();
        respond(response, 200, registry.contentType, body);
        return true;
      });
      if (answered === undefined) {
        try {
          respond(response, 500, 'text/plain; charset=utf-8', 'stagescope: collecting metrics failed\n');
        } catch {
          // the response is already gone
        }
      }
    });
}

export interface MetricsServerOptions {
  registry: Registry;
  /** Default 9464 (the OpenTelemetry Prometheus exporter's port); 0 picks a free one. */
  port?: number;
  /** Default `127.0.0.1`: metrics are not for the world unless you say so. */
  host?: string;
  /** Default `/metrics`. */
  path?: string;
}

export interface MetricsServer {
  server: http.Server;
  /** e.g. `http://127.0.0.1:9464/metrics`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A standalone node:http server for `/metrics` (when the app's own server should
 * not expose them). Its socket is unref'd: it never keeps the app alive.
 */
export async function serveMetrics(options: MetricsServerOptions): Promise<MetricsServer> {
  const handler = createMetricsHandler(options.registry);
  const metricsPath = options.path ?? '/metrics';
  const server = http.createServer((request, response) => {
    const pathname = (request.url ?? '/').split('?')[0];
    if (pathname !== metricsPath) {
      response.statusCode = 404;
      response.end('not found\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.statusCode = 405;
      response.setHeader('allow', 'GET, HEAD');
      response.end();
      return;
    }
    void handler(request, response);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9464, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref();
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    port,
    url: `http://${urlHost}:${port}${metricsPath}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
