import type { Stage } from '../core/types.js';
import { activeSlot } from './active-tracer.js';
import { runInSpan, type ManualSpanOptions } from './span.js';
import { copyFunctionProperties } from '../instrument/wrap.js';

/** Options of {@link traced}. */
export interface TracedOptions extends ManualSpanOptions {
  /** Span name. Default: the function's own name, or `anonymous`. */
  name?: string;
  stage?: Stage | null;
}

const ORIGINAL = Symbol('stagescope.traced.original');
type TracedFunction = ((...args: unknown[]) => unknown) & { [ORIGINAL]?: Function };
/** original → its one wrapper: `traced(f)` twice gives the same function, never a wrapper of a wrapper. */
const wrappers = new WeakMap<Function, Function>();

/**
 * Wrap one of your own functions once, so every call is a span (see `span`):
 * same `this`, arguments, return value (identity) and thrown error, same
 * `name` and `length`; `new` still constructs. Wrapping a wrapper, or the same
 * function twice, returns the first wrapper. With no preset running a call is
 * the original call behind one field check.
 *
 * Use it for functions of the script being run (the entry script's own
 * functions cannot be patched from outside: they are local bindings).
 *
 * @example
 * import { traced } from 'stagescope';
 * const detectPlates = traced(async function detectPlates(image) { … }, { stage: 'detection' });
 */
export function traced<F extends (...args: never[]) => unknown>(fn: F, options: TracedOptions = {}): F {
  if (typeof fn !== 'function') {
    throw new TypeError(`stagescope traced(): the first argument must be a function, got ${fn === null ? 'null' : typeof fn}`);
  }
  if ((fn as unknown as TracedFunction)[ORIGINAL] !== undefined) return fn;
  const existing = wrappers.get(fn);
  if (existing !== undefined) return existing as F;
  const original = fn as unknown as (...args: unknown[]) => unknown;
  const name = options.name ?? (original.name !== '' ? original.name : 'anonymous');
  const spanOptions: ManualSpanOptions = {};
  if (options.stage !== undefined) spanOptions.stage = options.stage;
  if (options.attributes !== undefined) spanOptions.attributes = options.attributes;
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    const tracer = activeSlot.tracer;
    if (new.target !== undefined) {
      // A constructor call: not a span (a class is not a pipeline step), just the original.
      return Reflect.construct(original, args, new.target);
    }
    if (tracer === null) return Reflect.apply(original, this, args);
    return runInSpan(tracer, name, spanOptions, original, this, args);
  } as TracedFunction;
  copyFunctionProperties(original, wrapper);
  Object.defineProperty(wrapper, ORIGINAL, { value: original, enumerable: false });
  wrappers.set(original, wrapper);
  return wrapper as unknown as F;
}

/** The function `traced` wrapped, or undefined for anything else. */
export function tracedOriginal(fn: unknown): Function | undefined {
  return typeof fn === 'function' ? (fn as TracedFunction)[ORIGINAL] : undefined;
}
