import { types } from 'node:util';
import { nowNs } from '../core/clock.js';
import { storage, SUPPRESSED } from '../core/context.js';
import { reportDiagnostic } from '../core/diagnostics.js';
import type { Span } from '../core/span.js';
import type { Tracer } from '../core/tracer.js';
import type { Stage } from '../core/types.js';

/** What a target hook sees of one call. */
export interface CallContext {
  readonly span: Span;
  readonly thisArg: unknown;
  readonly args: readonly unknown[];
}

export interface CallEndContext extends CallContext {
  /** The return value, or the resolved value for a promise. */
  readonly result: unknown;
  readonly error: unknown;
  readonly failed: boolean;
}

/**
 * Library-specific knowledge attached to a target by name (`hook:` in a target
 * file): renames the span from the call (a session's model name), sets stage and
 * attributes. Hooks run inside try/catch; a failing hook is reported, never thrown.
 */
export interface TargetHook {
  onStart?(call: CallContext): void;
  onEnd?(call: CallEndContext): void;
  /**
   * Runs inside the span's context, around the original call: may replace an
   * argument (a chained logger callback) but must call `invoke` exactly once and
   * return what it returns.
   */
  aroundCall?(call: CallContext, invoke: (args: readonly unknown[]) => unknown): unknown;
}

/**
 * A run-time switch shared by every wrapper of one target. Besides on/off it
 * carries the target's own overhead accounting (so an overhead budget can see
 * which target is too expensive for the work it measures) and a sampling rate.
 * The optional fields are filled in by `wrapFunction` (a literal `{ enabled: true }`
 * is a valid switch); every wrapper of a target shares one object, so the
 * numbers are per target.
 */
export interface TargetSwitch {
  enabled: boolean;
  /** Record 1 call in this many (1 = every call; set by an overhead budget). */
  sampleEvery?: number;
  /** Calls seen while sampling (the sampling counter). */
  sampleTick?: number;
  /** Recorded calls that ended. */
  calls?: number;
  /** Work measured by the recorded calls (span durations without the span's own setup), ns. */
  durationNs?: number;
  /** Time spent in this target's wrappers (the same figure as a trace's OH), ns. */
  overheadNs?: number;
  /** Called every `BUDGET_CHECK_EVERY` ended calls (an overhead budget); must not throw. */
  onCheck?: ((sw: TargetSwitch) => void) | undefined;
}

/** A switch with its accounting fields present (what the wrapper works with). */
type CountedSwitch = Required<Omit<TargetSwitch, 'onCheck'>> & Pick<TargetSwitch, 'onCheck'>;

/** How often (in ended calls, a power of two) a switch's `onCheck` runs. */
export const BUDGET_CHECK_EVERY = 1024;

/** Fill in a switch's accounting fields once, so every wrapper sees the same object shape. */
function countedSwitch(sw: TargetSwitch): CountedSwitch {
  sw.sampleEvery ??= 1;
  sw.sampleTick ??= 0;
  sw.calls ??= 0;
  sw.durationNs ??= 0;
  sw.overheadNs ??= 0;
  if (!('onCheck' in sw)) sw.onCheck = undefined;
  return sw as CountedSwitch;
}

export interface WrapSpec {
  /** Span name (a hook may refine it per call). */
  name: string;
  stage: Stage | null;
  /** `module#exportPath`, stored on each span. */
  target: string;
  /** false: no span, only `onResult` (a factory whose own call is not a target). */
  record: boolean;
  /** The last argument is a completion callback `(err, ...results)`. */
  callback: boolean;
  hook: TargetHook | undefined;
  /** Called with the return value (or the resolved value of a returned promise). */
  onResult: ((value: unknown) => void) | undefined;
  switch: TargetSwitch;
}

const ORIGINAL = Symbol('stagescope.original');
type Wrapped = ((...args: unknown[]) => unknown) & { [ORIGINAL]?: Function };

/** The function a stagescope wrapper wraps, or undefined if `fn` is not one. */
export function originalOf(fn: unknown): Function | undefined {
  return typeof fn === 'function' ? (fn as Wrapped)[ORIGINAL] : undefined;
}

export function isWrapped(fn: unknown): boolean {
  return originalOf(fn) !== undefined;
}

function safe(what: string, target: string, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    reportDiagnostic('SS_HOOK_FAILED', `${what} for target ${target} threw: ${String(error)}`, error);
  }
}

/**
 * Wrap `original` so each call records a span. The wrapper returns exactly what
 * the original returns (the same promise object, never a chained copy), throws
 * exactly what it throws, keeps `this`, `new`, `name`, `length` and own
 * properties, and adds no unhandled rejection: the span is ended from a
 * separate `.then(onOk, onErr)` that handles both outcomes.
 */
export function wrapFunction<F extends Function>(original: F, spec: WrapSpec, tracer: Tracer): F {
  if (isWrapped(original)) return original;
  const fn = original as unknown as (...args: unknown[]) => unknown;
  const { target, hook, onResult } = spec;
  const sw = countedSwitch(spec.switch);

  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    // Fast path: disabled target, stagescope's own code running, or a call the
    // target's sampling skips (`sampleEvery` is 1 unless a budget sampled it). One branch.
    const store = storage.getStore();
    if (!sw.enabled || store === SUPPRESSED || (sw.sampleEvery !== 1 && ++sw.sampleTick % sw.sampleEvery !== 0)) {
      return new.target === undefined ? Reflect.apply(fn, this, args) : Reflect.construct(fn, args, new.target);
    }
    if (!spec.record) return passThroughWithResult(fn, this, args, new.target, onResult, target);

    const entryNs = nowNs();
    let span: Span;
    try {
      span = tracer.startSpanFast(spec.name, spec.stage, target, store); // the store read above: one ALS lookup per call
    } catch (error) {
      reportDiagnostic('SS_SPAN_FAILED', `could not start a span for ${target}: ${String(error)}`, error);
      return new.target === undefined ? Reflect.apply(fn, this, args) : Reflect.construct(fn, args, new.target);
    }
    const trace = span.trace;
    // Per-call objects only when a hook or a callback needs them: this is the hot path.
    const call: CallContext | undefined = hook === undefined && !spec.callback ? undefined : { span, thisArg: this, args };
    if (hook?.onStart !== undefined) safe('hook onStart', target, () => hook.onStart!(call!));
    let callArgs = args;
    if (spec.callback && typeof args[args.length - 1] === 'function') {
      callArgs = args.slice();
      callArgs[callArgs.length - 1] = wrapCallback(args[args.length - 1] as Function, span, call!, spec, tracer);
    }
    const newTarget = new.target;
    const thisArg = this;
    const invoke =
      newTarget === undefined && hook?.aroundCall === undefined
        ? undefined
        : (finalArgs: readonly unknown[]): unknown =>
            newTarget === undefined ? Reflect.apply(fn, thisArg, finalArgs as unknown[]) : Reflect.construct(fn, finalArgs as unknown[], newTarget);

    const beforeCallNs = nowNs();
    trace.overheadNs += beforeCallNs - entryNs;
    sw.overheadNs += beforeCallNs - entryNs;
    // The work a target measures starts here, not at span.startNs: the span's
    // own setup (recorder, probes, hooks) is overhead, already counted above.
    sw.durationNs -= beforeCallNs - span.startNs;
    trace.wrappedCalls++;
    let result: unknown;
    try {
      result =
        invoke === undefined
          ? storage.run(span, Reflect.apply, fn, thisArg, callArgs)
          : hook?.aroundCall !== undefined
            ? storage.run(span, () => hook.aroundCall!(call!, invoke))
            : storage.run(span, invoke, callArgs);
    } catch (error) {
      const failNs = nowNs();
      endCall(span, call, spec, tracer, failNs, undefined, error, true);
      const failOverheadNs = nowNs() - failNs;
      trace.overheadNs += failOverheadNs;
      sw.overheadNs += failOverheadNs;
      throw error;
    }
    const returnNs = nowNs();
    if (spec.callback && callArgs !== args) {
      // the callback ends the span; a promise returned as well is left alone
    } else if (types.isPromise(result)) {
      (result as Promise<unknown>).then(
        (value) => {
          const settleNs = nowNs();
          endCall(span, call, spec, tracer, settleNs, value, undefined, false);
          if (onResult !== undefined) safe('factory result', target, () => onResult(value));
          const settleOverheadNs = nowNs() - settleNs;
          trace.overheadNs += settleOverheadNs;
          sw.overheadNs += settleOverheadNs;
        },
        (error: unknown) => {
          const settleNs = nowNs();
          endCall(span, call, spec, tracer, settleNs, undefined, error, true);
          const settleOverheadNs = nowNs() - settleNs;
          trace.overheadNs += settleOverheadNs;
          sw.overheadNs += settleOverheadNs;
        },
      );
    } else {
      endCall(span, call, spec, tracer, returnNs, result, undefined, false);
      if (onResult !== undefined) safe('factory result', target, () => onResult(result));
    }
    const returnOverheadNs = nowNs() - returnNs;
    trace.overheadNs += returnOverheadNs;
    sw.overheadNs += returnOverheadNs;
    return result;
  } as Wrapped;

  copyFunctionProperties(fn, wrapped);
  Object.defineProperty(wrapped, ORIGINAL, { value: original, enumerable: false });
  return wrapped as unknown as F;
}

function endCall(
  span: Span,
  call: CallContext | undefined,
  spec: WrapSpec,
  tracer: Tracer,
  endNs: number,
  result: unknown,
  error: unknown,
  failed: boolean,
): void {
  if (spec.hook?.onEnd !== undefined && call !== undefined) {
    const hook = spec.hook;
    safe('hook onEnd', spec.target, () => hook.onEnd!({ span: call.span, thisArg: call.thisArg, args: call.args, result, error, failed }));
  }
  tracer.endSpan(span, endNs, error, failed);
  // Per-target accounting for an overhead budget (the switch was filled in by wrapFunction).
  const sw = spec.switch as CountedSwitch;
  sw.durationNs += endNs - span.startNs;
  if ((++sw.calls & (BUDGET_CHECK_EVERY - 1)) === 0 && sw.onCheck !== undefined) {
    const check = sw.onCheck;
    safe('overhead budget check', spec.target, () => check(sw));
  }
}

/** A factory whose own call records nothing: only look at what it returns. */
function passThroughWithResult(
  fn: (...args: unknown[]) => unknown,
  thisArg: unknown,
  args: unknown[],
  newTarget: Function | undefined,
  onResult: ((value: unknown) => void) | undefined,
  target: string,
): unknown {
  const result = newTarget === undefined ? Reflect.apply(fn, thisArg, args) : Reflect.construct(fn, args, newTarget);
  if (onResult === undefined) return result;
  if (types.isPromise(result)) {
    (result as Promise<unknown>).then(
      (value) => safe('factory result', target, () => onResult(value)),
      () => undefined, // the app's own promise still rejects for the app; ours must not be unhandled
    );
  } else {
    safe('factory result', target, () => onResult(result));
  }
  return result;
}

/**
 * Replace a completion callback `(err, ...results)` by one that ends the span
 * first, then calls the user's callback with the same `this` and arguments, in
 * the caller's context (not inside the span: the callback is the caller's code).
 */
function wrapCallback(callback: Function, span: Span, call: CallContext, spec: WrapSpec, tracer: Tracer): Function {
  const parentStore = storage.getStore();
  const wrappedCallback = function (this: unknown, ...cbArgs: unknown[]): unknown {
    const endNs = nowNs();
    const err = cbArgs[0];
    const failed = err !== null && err !== undefined;
    endCall(span, call, spec, tracer, endNs, failed ? undefined : cbArgs[1], failed ? err : undefined, failed);
    const callbackOverheadNs = nowNs() - endNs;
    span.trace.overheadNs += callbackOverheadNs;
    (spec.switch as CountedSwitch).overheadNs += callbackOverheadNs;
    return parentStore === undefined
      ? Reflect.apply(callback, this, cbArgs)
      : storage.run(parentStore, () => Reflect.apply(callback, this, cbArgs));
  };
  copyFunctionProperties(callback, wrappedCallback);
  return wrappedCallback;
}

/**
 * Make `wrapped` look like `original`: same prototype chain, `name`, `length`,
 * `prototype` and other own properties (a function with static helpers attached,
 * like sharp's, keeps them). Descriptors are copied as they are, getters included.
 */
function copyFunctionProperties(original: Function, wrapped: Function): void {
  Object.setPrototypeOf(wrapped, Object.getPrototypeOf(original));
  for (const key of Reflect.ownKeys(original)) {
    if (key === 'arguments' || key === 'caller') continue;
    const descriptor = Object.getOwnPropertyDescriptor(original, key);
    if (descriptor === undefined) continue;
    try {
      Object.defineProperty(wrapped, key, descriptor);
    } catch {
      // a non-configurable own property of the wrapper itself; nothing to copy
    }
  }
}
