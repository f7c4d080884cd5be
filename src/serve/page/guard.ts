import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { reportDiagnostic } from '../../core/diagnostics.js';
import type { ResolvedPageOptions } from '../options.js';

export type AccessDecision = { allowed: true } | { allowed: false; status: 401 | 403; reason: string };

const COOKIE = 'stagescope_session';
const MAX_SESSIONS = 64;

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Who may use the page. A bearer token in the `Authorization` header (never
 * in the query string: URLs end up in logs, history and Referer headers), or a
 * session cookie (HttpOnly, SameSite=Strict, so other sites cannot ride it)
 * that `POST <path>/login` with the token hands out; and/or a custom guard.
 * State-changing requests must also come from the page's own origin.
 */
export class PageGuard {
  readonly #options: ResolvedPageOptions;
  readonly #tokenDigest: Buffer | undefined;
  /** Session ids (random, not the token) -> issued; oldest dropped past MAX_SESSIONS. */
  #sessions = new Set<string>();

  constructor(options: ResolvedPageOptions) {
    this.#options = options;
    this.#tokenDigest = options.token === undefined ? undefined : digest(options.token);
  }

  get usesToken(): boolean {
    return this.#tokenDigest !== undefined;
  }

  check(req: IncomingMessage): AccessDecision {
    if (this.#tokenDigest === undefined && this.#options.guard === undefined) {
      // No authentication at all: only this machine, under a loopback name. The Host
      // check stops DNS rebinding (evil.example re-pointed at 127.0.0.1 by its owner,
      // so that a browser here sends the attacker's page's requests to us).
      if (!isLoopbackAddress(req.socket.remoteAddress)) {
        return {
          allowed: false,
          status: 403,
          reason: 'without page.token the page answers only clients on this machine (loopback); set page.token (or page.guard) to open it to others',
        };
      }
      if (!this.hostAllowed(req.headers.host)) {
        return {
          allowed: false,
          status: 403,
          reason: `without page.token the page answers only Host names ${[...LOOPBACK_HOSTS, ...this.#options.allowedHosts].join(', ')} (DNS rebinding protection); add the name to page.allowedHosts or set page.token`,
        };
      }
    }
    if (this.#tokenDigest !== undefined) {
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
      const session = cookieValue(req.headers.cookie, COOKIE);
      if (bearer === undefined && session === undefined) {
        return { allowed: false, status: 401, reason: 'this page needs the stagescope token: send `Authorization: Bearer <token>` or log in' };
      }
      const ok = bearer !== undefined ? this.tokenMatches(bearer) : session !== undefined && this.#sessions.has(session);
      if (!ok) return { allowed: false, status: 403, reason: 'wrong stagescope token or expired session' };
    }
    if (this.#options.guard !== undefined) {
      let ok: boolean;
      try {
        ok = this.#options.guard(req) === true;
      } catch {
        ok = false;
      }
      if (!ok) return { allowed: false, status: 403, reason: 'refused by the page guard' };
    }
    return { allowed: true };
  }

  /** Is the Host header a loopback name, or one of `page.allowedHosts` (port ignored)? */
  hostAllowed(host: string | undefined): boolean {
    const name = hostName(host);
    if (name === undefined) return false;
    return LOOPBACK_HOSTS.includes(name) || name.endsWith('.localhost') || this.#options.allowedHosts.includes(name);
  }

  tokenMatches(candidate: string): boolean {
    if (this.#tokenDigest === undefined) return false;
    return timingSafeEqual(digest(candidate), this.#tokenDigest);
  }

  /** A new session for a browser that proved it has the token; returns the Set-Cookie value. */
  newSessionCookie(path: string, secure: boolean): string {
    const id = randomBytes(24).toString('base64url');
    this.#sessions.add(id);
    if (this.#sessions.size > MAX_SESSIONS) this.#sessions.delete(this.#sessions.values().next().value!);
    return `${COOKIE}=${id}; Path=${path}; HttpOnly; SameSite=Strict; Max-Age=43200${secure ? '; Secure' : ''}`;
  }

  /**
   * A state-changing request must come from the page itself: when the browser
   * says where it comes from (`Origin`, `Sec-Fetch-Site`), that must be here.
   */
  sameOrigin(req: IncomingMessage): boolean {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
    const origin = req.headers.origin;
    if (origin === undefined || origin === 'null') return origin === undefined;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }
}

const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** `Host: Example.com:8080` → `example.com`; `[::1]:80` → `[::1]`; undefined when missing or malformed. */
export function hostName(host: string | undefined): string | undefined {
  if (host === undefined || host === '') return undefined;
  const lower = host.trim().toLowerCase();
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/.exec(lower);
  return match?.[1]?.replace(/\.$/, '');
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

let warnedNoToken = false;

/** Say once per process that a page without token is limited to this machine. */
export function warnPageWithoutToken(path: string): void {
  const message = `the stagescope page (${path}) has no page.token: it answers only clients on this machine with a loopback Host name (localhost, 127.0.0.1, [::1]); set page.token to reach it from elsewhere`;
  reportDiagnostic('SS_PAGE_NO_TOKEN', message);
  if (warnedNoToken) return;
  warnedNoToken = true;
  try {
    process.emitWarning(message, { code: 'STAGESCOPE_PAGE_NO_TOKEN', type: 'StagescopeWarning' });
  } catch {
    // a throwing 'warning' listener is not the app's problem
  }
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}
