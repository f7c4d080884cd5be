import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
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
      let ok = false;
      try {
        ok = this.#options.guard(req) === true;
      } catch {
        ok = false;
      }
      if (!ok) return { allowed: false, status: 403, reason: 'refused by the page guard' };
    }
    return { allowed: true };
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

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}
