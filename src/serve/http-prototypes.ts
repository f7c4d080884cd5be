import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { storage, type ContextValue } from '../core/context.js';

/**
 * Per-request state the prototype hooks read: the request's context (its root
 * span) and, on the response, a hook that runs right before the headers go out.
 * Stored under one symbol, so a traced request object gains one property (one
 * hidden-class transition), not seven own methods.
 */
export const REQUEST_CONTEXT = Symbol.for('stagescope.serve.context');
export const BEFORE_HEADERS = Symbol.for('stagescope.serve.beforeHeaders');

type Listener = (...args: unknown[]) => unknown;
type WithContext = { [REQUEST_CONTEXT]?: ContextValue; [BEFORE_HEADERS]?: (res: ServerResponse) => void };

// `once`/`prependOnceListener` are not hooked: EventEmitter implements them with
// `this.on`/`this.prependListener` and a once-wrapper, which the hook then binds
// (keeping the once-wrapper's `listener` so `removeListener(fn)` still finds it).
const ADD_METHODS = ['on', 'addListener', 'prependListener'] as const;
const REMOVE_METHODS = ['off', 'removeListener'] as const;
/** Per traced emitter: listener → its context-bound wrapper (so removeListener finds it). */
const WRAPPERS = Symbol('stagescope.serve.listenerWrappers');
type WithWrappers = WithContext & { [WRAPPERS]?: Map<Listener, Listener> };
let installed = false;

function bound(emitter: WithWrappers, listener: Listener, context: ContextValue): Listener {
  const map = (emitter[WRAPPERS] ??= new Map());
  let wrapped = map.get(listener);
  if (wrapped === undefined) {
    wrapped = function (this: unknown, ...args: unknown[]): unknown {
      return storage.run(context, () => Reflect.apply(listener, this, args));
    };
    // EventEmitter's removeListener matches `entry.listener` for once-wrappers.
    const inner = (listener as { listener?: unknown }).listener;
    if (typeof inner === 'function') (wrapped as { listener?: unknown }).listener = inner;
    map.set(listener, wrapped);
  }
  return wrapped;
}

function patchEmitterMethods(proto: object): void {
  const target = proto as Record<string, unknown>;
  for (const name of ADD_METHODS) {
    const original = target[name] as (this: unknown, event: string | symbol, listener: Listener) => unknown;
    if (typeof original !== 'function') continue;
    Object.defineProperty(target, name, {
      configurable: true,
      writable: true,
      enumerable: false,
      value: function (this: WithWrappers, event: string | symbol, listener: Listener): unknown {
        const context = this[REQUEST_CONTEXT];
        return Reflect.apply(original, this, [event, context === undefined || typeof listener !== 'function' ? listener : bound(this, listener, context)]);
      },
    });
  }
  for (const name of REMOVE_METHODS) {
    const original = target[name] as (this: unknown, event: string | symbol, listener: Listener) => unknown;
    if (typeof original !== 'function') continue;
    Object.defineProperty(target, name, {
      configurable: true,
      writable: true,
      enumerable: false,
      value: function (this: WithWrappers & { listenerCount(event: string | symbol): number }, event: string | symbol, listener: Listener): unknown {
        const wrapped = typeof listener === 'function' ? this[WRAPPERS]?.get(listener) : undefined;
        if (wrapped !== undefined) {
          // The same function may also be registered through `once` (found by its
          // once-wrapper's `listener`), so fall back to it if the wrapper was not there.
          const before = this.listenerCount(event);
          const result = Reflect.apply(original, this, [event, wrapped]);
          if (this.listenerCount(event) !== before) return result;
        }
        return Reflect.apply(original, this, [event, listener]);
      },
    });
  }
}

/**
 * Install, once per process, two small hooks on node:http's prototypes (what
 * every framework's request and response inherit from), inert for objects the
 * serving core does not trace:
 *
 * - listeners added to a traced request or response run in the request's
 *   context. Why: `data`/`end` are emitted from the socket's async resource,
 *   created before the request, so a body parser's callbacks (Express'
 *   raw-body, Fastify's content parser) would lose the request's span and the
 *   handler after the body would record into no request. OpenTelemetry's
 *   context managers bind emitters for the same reason; we use `storage.run`
 *   per call, never `enterWith`.
 * - `writeHead` of a traced response first runs the core's hook (the latency
 *   header must be set before the headers go out; `write`, `end`, an explicit
 *   `writeHead` and Fastify's reply all go through `writeHead`).
 *
 * Prototype hooks instead of per-object patches: a handful of own methods on
 * every request object would cost microseconds and push it into slow
 * dictionary mode; here a traced request gains one symbol property.
 */
export function installHttpPrototypeHooks(): void {
  if (installed) return;
  installed = true;
  patchEmitterMethods(http.IncomingMessage.prototype);
  patchEmitterMethods(http.ServerResponse.prototype);
  const proto = http.ServerResponse.prototype as unknown as Record<string, unknown>;
  const writeHead = proto.writeHead as (this: ServerResponse, ...args: unknown[]) => unknown;
  Object.defineProperty(proto, 'writeHead', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function (this: ServerResponse & WithContext, ...args: unknown[]): unknown {
      const hook = this[BEFORE_HEADERS];
      if (hook !== undefined && !this.headersSent) {
        this[BEFORE_HEADERS] = undefined;
        try {
          hook(this);
        } catch {
          // the core reports its own failures; never break the response
        }
      }
      return Reflect.apply(writeHead, this, args);
    },
  });
}

/** Mark a request/response pair as traced: their listeners run in `context`, `beforeHeaders` runs once. */
export function traceHttpObjects(req: IncomingMessage, res: ServerResponse, context: ContextValue, beforeHeaders: (res: ServerResponse) => void): void {
  (req as WithContext)[REQUEST_CONTEXT] = context;
  (res as WithContext)[REQUEST_CONTEXT] = context;
  (res as WithContext)[BEFORE_HEADERS] = beforeHeaders;
}
