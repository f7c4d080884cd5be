import type { IncomingMessage, ServerResponse } from 'node:http';
import { suppressTracing } from '../../core/context.js';
import { guardedAsync } from '../../core/guarded.js';
import type { AdaptiveEvent } from '../../core/run-document.js';
import { renderCallGraphSvg } from '../../render/call-graph/svg.js';
import { renderTextTree } from '../../render/text-tree.js';
import type { ResolvedPageOptions } from '../options.js';
import { requestToRunDocument } from '../request-document.js';
import type { RequestTreeStore } from '../store.js';
import { PageGuard } from './guard.js';
import { renderIndexPage, renderLoginPage, renderMessagePage, renderRequestPage, type TargetState } from './render-page.js';

/** What the page reads and switches; implemented by ServeScope. */
export interface PageBackend {
  readonly presetName: string;
  readonly store: RequestTreeStore;
  readonly maxOverheadPct: number;
  targetStates(): TargetState[];
  adaptiveEvents(): { event: AdaptiveEvent; wallMs: number }[];
  /** Switch one target (by id) or all (undefined). False when the id is unknown. */
  setTracing(target: string | undefined, enabled: boolean): boolean;
}

/** Security headers of every page response: no script at all, no framing, no caching. */
const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on form POSTs, and the
  // origin check of the POST endpoints needs the real origin.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
};

const MAX_LOGIN_BODY_BYTES = 4096;

/**
 * The page's routes under `<path>`:
 *
 *   GET  <path>                      recent requests, route percentiles, targets (HTML)
 *   GET  <path>/requests/<id>        one request: tree and call graph (HTML)
 *   GET  <path>/api/requests[/<id>]  the same as JSON; GET <path>/api/routes, <path>/api/targets
 *   POST <path>/tracing?enabled=0|1[&target=<id>]   switch tracing (all or one target); other methods: 405
 *   GET|POST <path>/login            token login form → session cookie (only with a token)
 *
 * Every route is behind the guard (token and/or custom guard) except the login
 * form itself; POSTs must also be same-origin. Responses carry a CSP that
 * allows no script.
 */
export class PageHandler {
  readonly path: string;
  readonly #options: ResolvedPageOptions;
  readonly #guard: PageGuard;
  readonly #backend: PageBackend;

  constructor(options: ResolvedPageOptions, backend: PageBackend) {
    this.path = options.path;
    this.#options = options;
    this.#guard = new PageGuard(options);
    this.#backend = backend;
  }

  /** True when this request is for the page (and the page is on). */
  matches(req: IncomingMessage): boolean {
    if (!this.#options.enabled) return false;
    const url = req.url ?? '/';
    if (!url.startsWith(this.path)) return false;
    const next = url.charAt(this.path.length);
    return next === '' || next === '/' || next === '?';
  }

  /** Serve a page request. Never rejects: failures become a 500 page and a diagnostic. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const served = await guardedAsync('SS_PAGE_FAILED', 'the stagescope page failed', async () => {
      await suppressTracing(() => this.#route(req, res));
      return true;
    });
    if (served === undefined) {
      if (!res.headersSent) this.#send(res, 500, 'text/plain; charset=utf-8', 'stagescope page error\n');
      else res.end();
    }
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://page.invalid');
    const sub = url.pathname.slice(this.path.length).replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const preset = this.#backend.presetName;

    if (sub === '/login') {
      if (!this.#guard.usesToken) return this.#send(res, 404, 'text/plain; charset=utf-8', 'no token is configured, so there is no login\n');
      if (method === 'GET') return this.#html(res, 200, renderLoginPage(this.path, preset, undefined));
      if (method !== 'POST') return this.#methodNotAllowed(res, 'GET, POST');
      if (!this.#guard.sameOrigin(req)) return this.#html(res, 403, renderMessagePage(this.path, preset, 'Refused', 'cross-site request', false));
      const body = await readBody(req, MAX_LOGIN_BODY_BYTES);
      if (body === undefined) {
        // Answer instead of resetting the connection; close it, the rest of the body is not read.
        res.setHeader('connection', 'close');
        return this.#send(res, 413, 'text/plain; charset=utf-8', `login body larger than ${MAX_LOGIN_BODY_BYTES} bytes\n`);
      }
      const token = new URLSearchParams(body).get('token') ?? '';
      if (!this.#guard.tokenMatches(token)) return this.#html(res, 403, renderLoginPage(this.path, preset, 'wrong token'));
      const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
      res.setHeader('set-cookie', this.#guard.newSessionCookie(this.path, secure));
      return this.#redirect(res, this.path);
    }

    if (sub === '/tracing') {
      if (method !== 'POST') return this.#methodNotAllowed(res, 'POST');
    } else if (method !== 'GET' && method !== 'HEAD') {
      return this.#methodNotAllowed(res, 'GET, HEAD');
    }

    const access = this.#guard.check(req);
    if (!access.allowed) {
      if (access.status === 401) res.setHeader('www-authenticate', 'Bearer realm="stagescope"');
      return wantsJson(req, sub)
        ? this.#json(res, access.status, { error: access.reason })
        : this.#html(
            res,
            access.status,
            renderMessagePage(this.path, preset, access.status === 401 ? 'Token needed' : 'Refused', access.reason, this.#guard.usesToken),
          );
    }

    if (sub === '/tracing') {
      if (!this.#guard.sameOrigin(req)) return this.#json(res, 403, { error: 'cross-site request refused' });
      const enabledParam = url.searchParams.get('enabled');
      if (enabledParam !== '0' && enabledParam !== '1' && enabledParam !== 'true' && enabledParam !== 'false') {
        return this.#json(res, 400, { error: 'query parameter "enabled" must be 1 or 0' });
      }
      const target = url.searchParams.get('target') ?? undefined;
      const enabled = enabledParam === '1' || enabledParam === 'true';
      if (!this.#backend.setTracing(target, enabled)) return this.#json(res, 404, { error: `unknown target ${JSON.stringify(target)}` });
      if ((req.headers.accept ?? '').includes('text/html')) return this.#redirect(res, this.path);
      return this.#json(res, 200, { ok: true, targets: this.#backend.targetStates() });
    }

    const store = this.#backend.store;
    if (sub === '/') {
      return this.#html(
        res,
        200,
        renderIndexPage({
          basePath: this.path,
          preset,
          targets: this.#backend.targetStates(),
          recent: store.recent(200),
          routes: store.routes(),
          store: { size: store.size, total: store.total, evicted: store.evicted, bytes: store.bytes, maxRequests: store.maxRequests, maxBytes: store.maxBytes },
          maxOverheadPct: this.#backend.maxOverheadPct,
          adaptive: this.#backend.adaptiveEvents(),
        }),
      );
    }
    if (sub.startsWith('/requests/')) {
      const id = safeDecode(sub.slice('/requests/'.length));
      const request = id === undefined ? undefined : store.get(id);
      if (request === undefined)
        return this.#html(res, 404, renderMessagePage(this.path, preset, 'Not found', 'no such request in the store (it may have been evicted)', false));
      const doc = requestToRunDocument(request, preset);
      let svg: { ok: true; dataUri: string } | { ok: false; reason: string };
      try {
        const text = await renderCallGraphSvg(doc);
        // As an <img>: an SVG shown as an image can run no script, whatever names it contains.
        svg = { ok: true, dataUri: `data:image/svg+xml;base64,${Buffer.from(text).toString('base64')}` };
      } catch (error) {
        svg = { ok: false, reason: `the call-graph renderer failed (${String(error)})` };
      }
      return this.#html(res, 200, renderRequestPage({ basePath: this.path, preset, request, tree: renderTextTree(doc), svg }));
    }
    if (sub === '/api/requests') {
      return this.#json(
        res,
        200,
        store.recent().map((r) => ({
          id: r.id,
          method: r.method,
          route: r.route,
          path: r.path,
          status: r.status,
          error: r.error,
          latencyNs: r.latencyNs,
          startedAt: r.startedAt,
          spans: r.spans.length,
        })),
      );
    }
    if (sub.startsWith('/api/requests/')) {
      const id = safeDecode(sub.slice('/api/requests/'.length));
      const request = id === undefined ? undefined : store.get(id);
      return request === undefined ? this.#json(res, 404, { error: 'no such request' }) : this.#json(res, 200, request);
    }
    if (sub === '/api/routes') return this.#json(res, 200, store.routes());
    if (sub === '/api/targets') return this.#json(res, 200, this.#backend.targetStates());
    return this.#html(res, 404, renderMessagePage(this.path, preset, 'Not found', 'no such stagescope page', false));
  }

  #methodNotAllowed(res: ServerResponse, allow: string): void {
    res.setHeader('allow', allow);
    this.#send(res, 405, 'text/plain; charset=utf-8', `method not allowed here (allowed: ${allow})\n`);
  }

  #redirect(res: ServerResponse, location: string): void {
    res.setHeader('location', location);
    this.#send(res, 303, 'text/plain; charset=utf-8', '');
  }

  #html(res: ServerResponse, status: number, body: string): void {
    this.#send(res, status, 'text/html; charset=utf-8', body);
  }

  #json(res: ServerResponse, status: number, value: unknown): void {
    this.#send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
  }

  #send(res: ServerResponse, status: number, type: string, body: string): void {
    for (const [name, value] of Object.entries(PAGE_HEADERS)) res.setHeader(name, value);
    res.setHeader('content-type', type);
    res.setHeader('content-length', Buffer.byteLength(body));
    res.statusCode = status;
    res.end(body);
  }
}

function wantsJson(req: IncomingMessage, sub: string): boolean {
  return sub.startsWith('/api/') || sub === '/tracing' || !(req.headers.accept ?? '').includes('text/html');
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** The body as text, or undefined when it is larger than `maxBytes` (the rest is drained, not kept). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      if (size > maxBytes) return;
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(size > maxBytes ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
