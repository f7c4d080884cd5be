import type { IncomingMessage } from 'node:http';
import type { RequestTreeStore, RequestStoreOptions } from './store.js';
import type { TraceContextPropagator } from '../core/request-events.js';

/** Who may see the page and toggle tracing. */
export interface PageOptions {
  /** Serve the page. Default true when a `page` object is given, false when `page` is omitted. */
  enabled?: boolean;
  /** Path prefix of the page and its endpoints. Default `/stagescope`. */
  path?: string;
  /**
   * A secret: requests must carry `Authorization: Bearer <token>`, or the
   * session cookie a browser gets by posting the token to `<path>/login`.
   * Required in production (NODE_ENV=production) unless `guard` is given.
   */
  token?: string;
  /** Your own check (an auth middleware's result, an IP allow list). Returns true to allow. */
  guard?: (req: IncomingMessage) => boolean;
  /**
   * Without `token` and `guard`, the page answers only loopback clients whose
   * `Host` is localhost, 127.0.0.1, [::1] or `*.localhost` (DNS rebinding
   * protection); more host names to accept (e.g. a name in /etc/hosts), without port.
   */
  allowedHosts?: string[];
}

/**
 * Options of the serving integration; every option is optional.
 *
 * @example
 * const scope = new ServeScope(new OnnxLatency(), { page: { token: process.env.STAGESCOPE_TOKEN } });
 * app.use(scope.express());
 */
export interface ServeOptions {
  /** Request id header, read (kept if sane) and echoed. Default `x-request-id`. */
  requestIdHeader?: string;
  /** Response header with the latency until the headers were sent, e.g. `12.345ms`. Default `x-latency`. */
  latencyHeader?: string;
  /** The store of recent request trees, or its bounds. Default: a store of 500 requests / 16 MiB. */
  store?: RequestStoreOptions | RequestTreeStore;
  /** Spans kept per request tree; later spans are counted as dropped. Default 1000. */
  maxSpansPerRequest?: number;
  /** The page (recent requests, route percentiles, trees, tracing switches). Default: off. */
  page?: PageOptions | boolean;
  /**
   * Overhead budget per target in percent of the work it measures; targets over
   * it are sampled or disabled by themselves (and it is recorded). Default 1;
   * `Infinity` turns it off.
   */
  maxOverheadPct?: number;
  /** Route name for the aggregates when the framework has none (plain node:http). Default: the path. */
  routeOf?: (req: IncomingMessage) => string | undefined;
  /** Requests not traced at all (health checks). Default: none. */
  ignore?: (req: IncomingMessage) => boolean;
  /** Trace-context propagation (W3C traceparent in and out); the exporters provide one. Default none. */
  propagator?: TraceContextPropagator;
}

export interface ResolvedPageOptions {
  enabled: boolean;
  path: string;
  token: string | undefined;
  guard: ((req: IncomingMessage) => boolean) | undefined;
  /** Extra Host names accepted without a token (lower case). */
  allowedHosts: string[];
  /** Why the page is off although asked for (production without token/guard), for the warning. */
  disabledReason: string | undefined;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function headerName(value: string | undefined, option: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (!HEADER_NAME.test(value))
    throw new TypeError(`stagescope: serve option ${option} must be an HTTP header name (a token like x-request-id), got ${JSON.stringify(value)}`);
  return value.toLowerCase();
}

export function resolveHeaderNames(options: ServeOptions): { requestId: string; latency: string } {
  return {
    requestId: headerName(options.requestIdHeader, 'requestIdHeader', 'x-request-id'),
    latency: headerName(options.latencyHeader, 'latencyHeader', 'x-latency'),
  };
}

export function resolvePageOptions(page: ServeOptions['page'], env: NodeJS.ProcessEnv = process.env): ResolvedPageOptions {
  const given = page === true ? {} : page === false || page === undefined ? undefined : page;
  const wanted = given !== undefined && given.enabled !== false;
  const path = normalizePagePath(given?.path ?? '/stagescope');
  const token = given?.token;
  if (token !== undefined && (typeof token !== 'string' || token.length < 16)) {
    throw new TypeError('stagescope: serve option page.token must be a string of at least 16 characters (use a random secret, e.g. `openssl rand -hex 16`)');
  }
  const guard = given?.guard;
  if (guard !== undefined && typeof guard !== 'function') throw new TypeError('stagescope: serve option page.guard must be a function (req) => boolean');
  let disabledReason: string | undefined;
  if (wanted && env.NODE_ENV === 'production' && token === undefined && guard === undefined) {
    disabledReason = `the stagescope page (${path}) stays off in production (NODE_ENV=production) without page.token or page.guard; give one to turn it on`;
  }
  const allowedHosts = given?.allowedHosts ?? [];
  if (!Array.isArray(allowedHosts) || !allowedHosts.every((host) => typeof host === 'string' && /^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/.test(host))) {
    throw new TypeError(
      `stagescope: serve option page.allowedHosts must be a list of host names without port (e.g. ["box.lan"]), got ${JSON.stringify(allowedHosts)}`,
    );
  }
  return { enabled: wanted && disabledReason === undefined, path, token, guard, allowedHosts: allowedHosts.map((host) => host.toLowerCase()), disabledReason };
}

function normalizePagePath(value: string): string {
  if (typeof value !== 'string' || !/^\/[A-Za-z0-9._~/-]*$/.test(value)) {
    throw new TypeError(`stagescope: serve option page.path must be a URL path like /stagescope, got ${JSON.stringify(value)}`);
  }
  return value.length > 1 ? value.replace(/\/+$/, '') : value;
}
