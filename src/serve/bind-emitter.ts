import type { EventEmitter } from 'node:events';
import { storage, type ContextValue } from '../core/context.js';

const ADD_METHODS = ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener'] as const;
const REMOVE_METHODS = ['off', 'removeListener'] as const;
const BOUND = Symbol('stagescope.boundEmitter');

type Listener = (...args: unknown[]) => unknown;

/**
 * Make every listener added to `emitter` from now on run in `context`.
 *
 * Why: an HTTP request's `data`/`end` events are emitted from the socket's
 * async resource, created before the request, so a body parser's callbacks
 * (Express' raw-body, Fastify's content parser) would lose the request's span
 * and the handler that runs after the body would record into no request. This
 * is what OpenTelemetry's context managers do (`bind(context, emitter)`); we
 * use `storage.run` per call, never `enterWith`. The patch is on the instance
 * only (own properties), so nothing outlives the request.
 */
export function bindEmitter(emitter: EventEmitter, context: ContextValue): void {
  const target = emitter as unknown as Record<PropertyKey, unknown>;
  if (target[BOUND] !== undefined) return;
  const wrappers = new WeakMap<Listener, Listener>();
  Object.defineProperty(target, BOUND, { value: true, enumerable: false });
  const wrap = (listener: Listener): Listener => {
    let wrapped = wrappers.get(listener);
    if (wrapped === undefined) {
      wrapped = function (this: unknown, ...args: unknown[]): unknown {
        return storage.run(context, () => Reflect.apply(listener, this, args));
      };
      wrappers.set(listener, wrapped);
    }
    return wrapped;
  };
  for (const name of ADD_METHODS) {
    const original = target[name] as (event: string | symbol, listener: Listener) => unknown;
    if (typeof original !== 'function') continue;
    Object.defineProperty(target, name, {
      configurable: true,
      writable: true,
      enumerable: false,
      value: function (this: unknown, event: string | symbol, listener: Listener): unknown {
        return Reflect.apply(original, this, [event, typeof listener === 'function' ? wrap(listener) : listener]);
      },
    });
  }
  for (const name of REMOVE_METHODS) {
    const original = target[name] as (event: string | symbol, listener: Listener) => unknown;
    if (typeof original !== 'function') continue;
    Object.defineProperty(target, name, {
      configurable: true,
      writable: true,
      enumerable: false,
      value: function (this: unknown, event: string | symbol, listener: Listener): unknown {
        return Reflect.apply(original, this, [event, (typeof listener === 'function' && wrappers.get(listener)) || listener]);
      },
    });
  }
}
