import { randomUUID } from 'node:crypto';

/**
 * An incoming request id is kept only if it is short and made of safe
 * characters: it is echoed in a response header, written into logs and shown
 * on the page, so anything else (CR/LF, quotes, 10 kB) is replaced by a fresh id.
 */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@+=/-]{1,128}$/;

export function isSaneRequestId(value: unknown): value is string {
  return typeof value === 'string' && SANE_REQUEST_ID.test(value);
}

/**
 * The incoming id if sane, else a random UUID. A repeated header keeps its
 * first value: Node joins repeated unknown headers with ", " (and a sane id
 * has no comma), so the part before the first comma is the first header.
 */
export function requestIdFrom(header: string | string[] | undefined): string {
  const raw = Array.isArray(header) ? header[0] : header;
  const comma = raw === undefined ? -1 : raw.indexOf(',');
  const value = raw === undefined || comma < 0 ? raw : raw.slice(0, comma).trim();
  return isSaneRequestId(value) ? value : randomUUID();
}
