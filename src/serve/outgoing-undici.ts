import diagnosticsChannel from 'node:diagnostics_channel';
import type { Span } from '../core/span.js';
import { activeOutgoing, contentLength, endClientSpan, startClientSpan, type OutgoingConfig } from './outgoing-span.js';

/**
 * `fetch` (Node's built-in undici) and the undici package publish every request
 * on diagnostics channels; a subscriber sees it in the caller's async context,
 * before the headers go out, and may add headers. Nothing is patched.
 */
interface UndiciRequest {
  method?: string;
  origin?: string | URL;
  path?: string;
  headers?: unknown;
  addHeader?(name: string, value: string): unknown;
}
interface InFlight {
  config: OutgoingConfig;
  span: Span;
  status: number | undefined;
  bytes: number | undefined;
}

const inFlight = new WeakMap<object, InFlight>();

function hasHeader(headers: unknown, name: string): boolean {
  if (typeof headers === 'string') return headers.toLowerCase().includes(`\r\n${name}:`) || headers.toLowerCase().startsWith(`${name}:`);
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) if (String(headers[i]).toLowerCase() === name) return true;
  }
  return false;
}

function onCreate(message: unknown): void {
  const config = activeOutgoing();
  const request = (message as { request?: UndiciRequest }).request;
  if (config === null || request === undefined || typeof request.addHeader !== 'function') return;
  let origin: URL | undefined;
  try {
    origin = request.origin === undefined ? undefined : new URL(String(request.origin));
  } catch {
    origin = undefined;
  }
  const started = startClientSpan(config, {
    method: request.method ?? 'GET',
    host: origin?.hostname ?? 'unknown',
    port: origin === undefined ? undefined : origin.port === '' ? (origin.protocol === 'https:' ? 443 : 80) : Number(origin.port),
    path: (request.path ?? '/').replace(/[?#].*$/, '') || '/',
    target: 'undici#request',
  });
  if (started === undefined) return;
  for (const [name, value] of Object.entries(started.headers)) if (!hasHeader(request.headers, name)) request.addHeader(name, value);
  inFlight.set(request, { config, span: started.span, status: undefined, bytes: undefined });
}

function onHeaders(message: unknown): void {
  const { request, response } = message as { request?: object; response?: { statusCode?: number; headers?: unknown[] } };
  const state = request === undefined ? undefined : inFlight.get(request);
  if (state === undefined) return;
  state.status = response?.statusCode;
  const headers = response?.headers ?? [];
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (String(headers[i]).toLowerCase() === 'content-length') state.bytes = contentLength(String(headers[i + 1]));
  }
}

function onDone(message: unknown): void {
  const { request, error } = message as { request?: object; error?: unknown };
  const state = request === undefined ? undefined : inFlight.get(request);
  if (state === undefined || request === undefined) return;
  inFlight.delete(request);
  endClientSpan(state.config, state.span, state.status, state.bytes, error);
}

const SUBSCRIPTIONS: readonly [string, (message: unknown) => void][] = [
  ['undici:request:create', onCreate],
  ['undici:request:headers', onHeaders],
  ['undici:request:trailers', onDone],
  ['undici:request:error', onDone],
];
let subscribed = false;

export function installUndiciHooks(): void {
  if (subscribed) return;
  subscribed = true;
  for (const [name, listener] of SUBSCRIPTIONS) diagnosticsChannel.subscribe(name, listener);
}

export function uninstallUndiciHooks(): void {
  if (!subscribed) return;
  subscribed = false;
  for (const [name, listener] of SUBSCRIPTIONS) diagnosticsChannel.unsubscribe(name, listener);
}
