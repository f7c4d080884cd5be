import { nsToWallMs } from '../core/clock.js';
import { reportDiagnostic } from '../core/diagnostics.js';
import type { AdaptiveEvent } from '../core/run-document.js';
import type { Preset } from '../presets/preset.js';
import { ServeCore } from './core.js';
import { expressMiddleware, expressRoute, type ExpressMiddleware } from './express.js';
import { fastifyPlugin, type FastifyPlugin } from './fastify.js';
import { patchHttpServerEmit, wrapRequestListener, type RequestListener } from './node-http.js';
import { resolveHeaderNames, resolvePageOptions, type ServeOptions } from './options.js';
import type { OverheadBudget } from '../instrument/overhead-budget.js';
import { switchTimesNs } from '../instrument/wrap.js';
import { warnPageWithoutToken } from './page/guard.js';
import { PageHandler, type PageBackend } from './page/page-handler.js';
import type { TargetState } from './page/render-page.js';
import type { RequestEventSource, RequestFinishedListener } from '../core/request-events.js';
import { RequestTreeStore } from './store.js';

/**
 * A preset serving HTTP: one request trace per request (request id and
 * latency headers, the preset's spans nested under it), a bounded store of
 * recent request trees with per-route stage percentiles, an overhead budget
 * that samples or disables too-hot targets by itself, and an optional page.
 * One core, thin adapters for node:http, Express and Fastify.
 *
 * @example
 * import express from 'express';
 * import { OnnxLatency, ServeScope } from 'stagescope';
 * const scope = new ServeScope(new OnnxLatency(), { page: { token: process.env.STAGESCOPE_TOKEN } });
 * const app = express();
 * app.use(scope.express());               // Fastify: await app.register(scope.fastify())
 * // node:http: http.createServer(scope.http((req, res) => { … }))
 */
export class ServeScope implements RequestEventSource, PageBackend {
  readonly preset: Preset;
  readonly store: RequestTreeStore;
  readonly budget: OverheadBudget;
  /** The page's handler, or undefined when the page is off. */
  readonly page: PageHandler | undefined;
  readonly #core: ServeCore;
  #undoPatch: (() => void) | undefined;
  #unsubscribeBudget: () => void;

  constructor(preset: Preset, options: ServeOptions = {}) {
    this.preset = preset;
    const headers = resolveHeaderNames(options);
    const maxSpansPerRequest = options.maxSpansPerRequest ?? 1000;
    if (!Number.isInteger(maxSpansPerRequest) || maxSpansPerRequest < 1) {
      throw new RangeError(`stagescope: serve option maxSpansPerRequest must be a positive integer, got ${String(options.maxSpansPerRequest)}`);
    }
    this.store = options.store instanceof RequestTreeStore ? options.store : new RequestTreeStore(options.store ?? {});
    // One budget per preset (a second one would fight over the targets' switches).
    this.budget = preset.budget;
    if (options.maxOverheadPct !== undefined) this.budget.maxOverheadPct = options.maxOverheadPct;
    const userRouteOf = options.routeOf;
    this.#core = new ServeCore({
      tracer: preset.tracer,
      store: this.store,
      requestIdHeader: headers.requestId,
      latencyHeader: headers.latency,
      maxSpansPerRequest,
      routeOf: (req) => userRouteOf?.(req) ?? expressRoute(req),
      ignore: options.ignore,
      propagator: options.propagator,
      beforeFirstRequest: () => this.#ensureStarted(),
    });
    this.#unsubscribeBudget = this.budget.onEvent((event) => this.#core.noteAdaptive(event));
    const page = resolvePageOptions(options.page);
    if (page.disabledReason !== undefined) reportDiagnostic('SS_PAGE_DISABLED', page.disabledReason);
    this.page = page.enabled ? new PageHandler(page, this) : undefined;
    if (page.enabled && page.token === undefined && page.guard === undefined) warnPageWithoutToken(page.path);
  }

  /** Wrap a node:http request listener: `http.createServer(scope.http(handler))`. */
  http(listener: RequestListener): RequestListener {
    return wrapRequestListener(this.#core, this.page, listener);
  }

  /** Express middleware; `app.use(scope.express())` before the routes. */
  express(): ExpressMiddleware {
    return expressMiddleware(this.#core, this.page);
  }

  /** Fastify plugin; `await app.register(scope.fastify())` before the routes. */
  fastify(): FastifyPlugin {
    return fastifyPlugin(this.#core, this.page);
  }

  /**
   * Trace every node:http server of the process without changing the app
   * (patches `http.Server.prototype.emit` for `request`): what a one-line
   * driver uses. Undone by `close()`.
   */
  instrumentHttpServers(): this {
    this.#undoPatch ??= patchHttpServerEmit(this.#core, this.page);
    return this;
  }

  onRequestFinished(listener: RequestFinishedListener): () => void {
    return this.store.onRequestFinished(listener);
  }

  get presetName(): string {
    return this.preset.name;
  }

  get maxOverheadPct(): number {
    return this.budget.maxOverheadPct;
  }

  /** Switch one target (`module#export` id) on or off; on also clears sampling. False for an unknown id. */
  setTargetEnabled(id: string, enabled: boolean): boolean {
    if (this.preset.instrumenter.targetSwitch(id) === undefined) return false;
    if (enabled) {
      this.#ensureStarted();
      return this.budget.restore(id, 'enabled through the stagescope API or page');
    }
    return this.preset.instrumenter.setTargetEnabled(id, false);
  }

  /** Switch every target. Requests keep their ids, latency and root spans either way. */
  setTracingEnabled(enabled: boolean): void {
    for (const target of this.preset.targets) this.setTargetEnabled(target.id, enabled);
  }

  setTracing(target: string | undefined, enabled: boolean): boolean {
    if (target === undefined) {
      this.setTracingEnabled(enabled);
      return true;
    }
    return this.setTargetEnabled(target, enabled);
  }

  targetStates(): TargetState[] {
    const seen = new Set<string>();
    const states: TargetState[] = [];
    for (const target of this.preset.targets) {
      if (seen.has(target.id)) continue;
      seen.add(target.id);
      const sw = this.preset.instrumenter.targetSwitch(target.id);
      const calls = sw?.calls ?? 0;
      const times = sw === undefined ? undefined : switchTimesNs(sw);
      const durationNs = times?.durationNs ?? 0;
      states.push({
        id: target.id,
        name: target.name,
        stage: target.stage,
        enabled: sw?.enabled ?? false,
        sampleEvery: sw?.sampleEvery ?? 1,
        calls,
        // Measured cost: hooks, probes and a hooked target's wrapper time.
        overheadPct: calls > 0 && durationNs > 0 ? (((times?.overheadNs ?? 0) + (times?.wrapperMeasuredNs ?? 0)) / durationNs) * 100 : null,
      });
    }
    return states;
  }

  adaptiveEvents(): { event: AdaptiveEvent; wallMs: number }[] {
    return this.budget.events.map((event) => ({ event, wallMs: nsToWallMs(event.atNs) })).reverse();
  }

  /** Stop tracing requests (requests in flight still finish) and undo the http patch. */
  close(): void {
    this.#undoPatch?.();
    this.#undoPatch = undefined;
    this.#unsubscribeBudget();
    this.#core.close();
  }

  /** A preset nobody started (the library use, not the driver) starts with the first request. */
  #ensureStarted(): void {
    if (this.preset.root === null) this.preset.start(['serve']);
  }
}

/** Alias kept small for one-liners: `serve(preset, options).instrumentHttpServers()`. */
export function serve(preset: Preset, options: ServeOptions = {}): ServeScope {
  return new ServeScope(preset, options);
}
