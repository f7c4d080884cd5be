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

/** The incoming id if sane (the first one, if the header was repeated), else a random UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return isSaneRequestId(value) ? value : randomUUID();
}
