import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { ServeCore } from './core.js';
import type { PageHandler } from './page/page-handler.js';

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * Wrap a `node:http` request listener: page requests go to the page, every
 * other request runs the listener inside its own request trace.
 */
export function wrapRequestListener(core: ServeCore, page: PageHandler | undefined, listener: RequestListener): RequestListener {
  return function stagescopeRequestListener(this: unknown, req: IncomingMessage, res: ServerResponse): unknown {
    if (page?.matches(req) === true) {
      void page.handle(req, res);
      return undefined;
    }
    return core.handle(req, res, () => Reflect.apply(listener, this, [req, res]));
  };
}

const PATCHED = Symbol.for('stagescope.serve.httpServerEmit');
type Emit = (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;
type PatchedProto = { emit: Emit; [PATCHED]?: Emit };

/**
 * Trace every `node:http` server in the process without touching the app:
 * patch `http.Server.prototype.emit` for `'request'` events (builtins are
 * singletons, so the prototype reaches servers created by `http.createServer`,
 * Express' `app.listen` and Fastify alike, whether the app imported `http` or
 * `node:http`, from CJS or ESM). What OpenTelemetry's http instrumentation
 * patches too. Returns the undo function; patching twice is refused.
 */
export function patchHttpServerEmit(core: ServeCore, page: PageHandler | undefined): () => void {
  const proto = http.Server.prototype as unknown as PatchedProto;
  if (proto[PATCHED] !== undefined) throw new Error('stagescope: http.Server.prototype.emit is already patched by another ServeScope; close that one first');
  const hadOwn = Object.prototype.hasOwnProperty.call(proto, 'emit');
  const original = proto.emit;
  const emit: Emit = function (this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'request') return Reflect.apply(original, this, [event, ...args]) as boolean;
    const req = args[0] as IncomingMessage;
    const res = args[1] as ServerResponse;
    if (page?.matches(req) === true) {
      void page.handle(req, res);
      return true;
    }
    return core.handle(req, res, () => Reflect.apply(original, this, [event, ...args]) as boolean);
  };
  Object.defineProperty(proto, 'emit', { value: emit, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(proto, PATCHED, { value: original, configurable: true, enumerable: false });
  return () => {
    if (proto.emit !== emit) return; // someone wrapped us: leave their wrapper (ours passes through via the core)
    if (hadOwn) Object.defineProperty(proto, 'emit', { value: original, writable: true, configurable: true, enumerable: false });
    else delete (proto as Partial<PatchedProto>).emit;
    delete proto[PATCHED];
  };
}
