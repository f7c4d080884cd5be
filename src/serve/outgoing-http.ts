import http, { type ClientRequest, type RequestOptions } from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import { reportDiagnostic } from '../core/diagnostics.js';
import { guarded } from '../core/guarded.js';
import { activeOutgoing, contentLength, endClientSpan, startClientSpan, type OutgoingTarget } from './outgoing-span.js';

type RequestFn = (...args: unknown[]) => ClientRequest;
interface Installed {
  module: typeof http | typeof https;
  request: RequestFn;
  get: RequestFn;
  wrappedRequest: RequestFn;
  wrappedGet: RequestFn;
}
let installed: Installed[] = [];

/** Where a `request(url?, options?, callback?)` call goes, read without side effects. */
function describeCall(args: readonly unknown[], protocol: 'http:' | 'https:'): OutgoingTarget {
  let url: URL | undefined;
  let options: RequestOptions = {};
  const [first, second] = args;
  if (typeof first === 'string') {
    try {
      url = new URL(first);
    } catch {
      url = undefined; // node rejects it itself; the span still says where we think it went
    }
  } else if (first instanceof URL) url = first;
  else if (first !== null && typeof first === 'object') options = first as RequestOptions;
  if (url !== undefined && second !== null && typeof second === 'object') options = second as RequestOptions;
  const host = options.hostname ?? (typeof options.host === 'string' ? options.host.replace(/:\d+$/, '') : undefined) ?? url?.hostname ?? 'localhost';
  const portText = options.port ?? (url !== undefined && url.port !== '' ? url.port : undefined);
  const port = portText === undefined || portText === null ? (protocol === 'https:' ? 443 : 80) : Number(portText);
  const rawPath = options.path ?? (url === undefined ? '/' : url.pathname);
  return {
    method: typeof options.method === 'string' ? options.method : 'GET',
    host,
    port: Number.isFinite(port) ? port : undefined,
    path: rawPath.replace(/[?#].*$/, '') || '/',
    target: `node:${protocol === 'https:' ? 'https' : 'http'}#request`,
  };
}

/**
 * `http.request` / `https.request` with a client span and trace-context headers
 * when an outgoing-propagation scope is installed and the call is made inside a
 * span. The request object is the one Node returns (same identity, same events);
 * headers are added only if the app did not set them and they were not sent yet.
 * No `response` or `error` listener is added: either would change what Node does
 * (an unread response is dumped only when nobody listens; an unhandled `error`
 * must still throw). The span ends on `close`.
 */
function wrapRequest(original: RequestFn, protocol: 'http:' | 'https:'): RequestFn {
  return function request(this: unknown, ...args: unknown[]): ClientRequest {
    const config = activeOutgoing();
    if (config === null) return Reflect.apply(original, this, args);
    const started = startClientSpan(config, describeCall(args, protocol));
    if (started === undefined) return Reflect.apply(original, this, args);
    let req: ClientRequest;
    try {
      req = Reflect.apply(original, this, args);
    } catch (error) {
      endClientSpan(config, started.span, undefined, undefined, error);
      throw error;
    }
    guarded('SS_OUTGOING_FAILED', 'could not propagate the trace context on an outgoing request', () => {
      for (const [name, value] of Object.entries(started.headers)) {
        if (req.headersSent) {
          reportDiagnostic(
            'SS_OUTGOING_NOT_PROPAGATED',
            `an outgoing ${req.method} request had sent its headers already (headers given as an array, or "expect"); no ${name} was added`,
          );
          break;
        }
        if (req.getHeader(name) === undefined) req.setHeader(name, value);
      }
      req.once('close', () => {
        const res = (req as ClientRequest & { res?: http.IncomingMessage | null }).res ?? undefined;
        endClientSpan(config, started.span, res?.statusCode, contentLength(res?.headers['content-length']));
      });
    });
    return req;
  };
}

/** `get` is `request` + `end()` (as in Node), through the wrapped request so headers go in before `end()`. */
function wrapGet(wrappedRequest: RequestFn): RequestFn {
  return function get(this: unknown, ...args: unknown[]): ClientRequest {
    const req = Reflect.apply(wrappedRequest, this, args);
    req.end();
    return req;
  };
}

/** Patch `request`/`get` of node:http and node:https (and the ESM named exports through syncBuiltinESMExports). */
export function installHttpClientHooks(): void {
  if (installed.length > 0) return;
  for (const [module, protocol] of [
    [http, 'http:'],
    [https, 'https:'],
  ] as const) {
    const request = module.request as unknown as RequestFn;
    const get = module.get as unknown as RequestFn;
    const wrappedRequest = wrapRequest(request, protocol);
    const wrappedGet = wrapGet(wrappedRequest);
    Object.defineProperty(wrappedRequest, 'length', { value: request.length });
    Object.defineProperty(wrappedGet, 'length', { value: get.length });
    (module as { request: unknown }).request = wrappedRequest;
    (module as { get: unknown }).get = wrappedGet;
    installed.push({ module, request, get, wrappedRequest, wrappedGet });
  }
  syncBuiltinESMExports();
}

/** Put the originals back (only where our wrappers are still in place). */
export function uninstallHttpClientHooks(): void {
  for (const entry of installed) {
    const module = entry.module as { request: unknown; get: unknown };
    if (module.request === entry.wrappedRequest) module.request = entry.request;
    if (module.get === entry.wrappedGet) module.get = entry.get;
  }
  installed = [];
  syncBuiltinESMExports();
}
