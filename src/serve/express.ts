import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestStateOf, type ServeCore } from './core.js';
import type { PageHandler } from './page/page-handler.js';

/** The parts of an Express request the adapter reads (no dependency on express types). */
interface ExpressRequestLike extends IncomingMessage {
  baseUrl?: string;
  route?: { path?: unknown };
}

export type ExpressMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/** `/users/:id`, with the mount path of nested routers; undefined before routing matched. */
export function expressRoute(req: ExpressRequestLike): string | undefined {
  const path = req.route?.path;
  if (path === undefined) return undefined;
  return `${req.baseUrl ?? ''}${typeof path === 'string' ? path : String(path)}`;
}

/**
 * Express middleware (Express 4 and 5): `app.use(scope.express())` first, so
 * the whole stack (body parsers included) runs inside the request's trace.
 */
export function expressMiddleware(core: ServeCore, page: PageHandler | undefined): ExpressMiddleware {
  return function stagescope(req, res, next) {
    if (page?.matches(req) === true) {
      void page.handle(req, res);
      return;
    }
    core.handle(req, res, () => {
      const state = requestStateOf(req);
      if (state !== undefined && state.routeOf === undefined) state.routeOf = () => expressRoute(req as ExpressRequestLike);
      next();
    });
  };
}
