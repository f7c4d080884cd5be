import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestStateOf, type ServeCore } from './core.js';
import type { PageHandler } from './page/page-handler.js';

/** The parts of Fastify the plugin uses (no dependency on fastify's types). */
interface FastifyRequestLike {
  raw: IncomingMessage;
  routeOptions?: { url?: string };
}
interface FastifyReplyLike {
  raw: ServerResponse;
  hijack(): unknown;
}
interface FastifyInstanceLike {
  addHook(name: 'onRequest', hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: (error?: Error) => void) => void): unknown;
}

export type FastifyPlugin = ((instance: FastifyInstanceLike, options: unknown, done: (error?: Error) => void) => void) & {
  [key: symbol]: unknown;
};

/**
 * A Fastify plugin: `await app.register(scope.fastify())`.
 *
 * Context: the `onRequest` hook calls Fastify's `done` inside
 * `storage.run(rootSpan, …)` — the rest of the lifecycle (routing, hooks,
 * handler) continues from that call, so it runs in the request's context;
 * what continues from stream events (the body parser's `data`/`end`) is
 * re-entered through the request's bound listeners (see bind-emitter.ts), and
 * promise continuations keep the context by themselves. This is the
 * @fastify/request-context approach, with `run` instead of `enterWith`.
 * The plugin is not encapsulated (`skip-override`, what fastify-plugin sets), so
 * its hook sees every route of the app.
 */
export function fastifyPlugin(core: ServeCore, page: PageHandler | undefined): FastifyPlugin {
  const plugin = function stagescopeFastify(instance: FastifyInstanceLike, _options: unknown, done: (error?: Error) => void): void {
    instance.addHook('onRequest', (request, reply, hookDone) => {
      const req = request.raw;
      if (page?.matches(req) === true) {
        // Fastify stops the lifecycle for a hijacked reply (runPreParsing checks reply.sent).
        reply.hijack();
        page.handle(req, reply.raw).then(
          () => hookDone(),
          () => hookDone(),
        );
        return;
      }
      core.handle(req, reply.raw, () => {
        const state = requestStateOf(req);
        if (state !== undefined) state.routeOf = () => request.routeOptions?.url;
        hookDone();
      });
    });
    done();
  } as FastifyPlugin;
  plugin[Symbol.for('skip-override')] = true;
  plugin[Symbol.for('fastify.display-name')] = 'stagescope';
  return plugin;
}
