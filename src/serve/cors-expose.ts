import type { ServerResponse } from 'node:http';

const EXPOSE = 'access-control-expose-headers';

/**
 * Let browser code read stagescope's response headers (request id, latency,
 * traceparent) on a cross-origin response: CORS hides every header that is not
 * on the safelist unless `access-control-expose-headers` names it (HiQ's
 * middleware does the same). Merged with what the app (or its CORS middleware)
 * already set, never replacing it; a `*` already there covers everything.
 * Called right before the headers go out, so the app's own value is known.
 */
export function exposeHeaders(res: ServerResponse, names: readonly string[]): void {
  if (res.headersSent) return;
  const current = res.getHeader(EXPOSE);
  const existing = (Array.isArray(current) ? current.join(',') : current === undefined ? '' : String(current))
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (existing.includes('*')) return;
  const lower = new Set(existing.map((name) => name.toLowerCase()));
  const added = names.filter((name) => !lower.has(name.toLowerCase()));
  if (added.length === 0) return;
  res.setHeader(EXPOSE, [...existing, ...added].join(', '));
}
