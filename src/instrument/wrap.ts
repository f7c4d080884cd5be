import { isPromise } from 'node:util/types';
import { nowNs, useFastClock } from '../core/clock.js';
import { storage, SUPPRESSED, syncSuppression, type ContextValue } from '../core/context.js';
import { reportGuarded } from '../core/guarded.js';
import type { Span } from '../core/span.js';
import type { Tracer } from '../core/tracer.js';
import type { Stage } from '../core/types.js';
import { HookScope } from './hook-scope.js';
import { LONG_CALL_NS, recordLongCall, watchSettled } from './long-call-watch.js';
import { noteTimedCall, timedCallsState, timeThisCall, type TimedCallsState } from './timed-calls.js';
export { LONG_CALL_NS, WATCHED_ATTRIBUTE } from './long-call-watch.js';

/** What a target hook sees of one call. */
export interface CallContext {
  readonly span: Span;
  readonly thisArg: unknown;
  readonly args: readonly unknown[];
  /** The preset's hook scope: its tracer and each hook family's state (hook-registry.ts). */
  readonly scope: HookScope;
  /** The hook's own value for this call, carried from one edge to the next (undefined until a hook sets it). */
  data: unknown;
}

export interface CallEndContext extends CallContext {
  /** The return value, or the resolved value for a promise. */
  readonly result: unknown;
  readonly error: unknown;
  readonly failed: boolean;
}

/**
 * What the wrapper hands to both hook edges: a `CallEndContext` whose outcome it
 * fills in at the end, and the wrapper's own measured time outside its end
 * part (`startPartNs`, ns; -1 when the call is not measured): before the span
 * started, and for a call that returned a promise, from that return until the
 * wrapper returns the promise to the app.
 */
type CallState = CallContext & { -readonly [K in 'result' | 'error' | 'failed']: CallEndContext[K] } & {
  startPartNs: number;
  /** The hooks' time so far (onStart, afterCall), ns, on a timed call; 0 otherwise. */
  hooksNs: number;
};

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
  /**
   * Runs once the original has returned (or thrown), before the wrapper
   * returns to the caller: for work that needs only the call's arguments and
   * `this`, done while the library works on its own threads (sharp's libvips)
   * instead of before that work starts. Its time is measured and counted as
   * hook time. The end of a call that returned or threw is read before it
   * runs. A returned promise's end is read when it settles, which cannot be
   * before afterCall has returned: if the library finishes first, its
   * completion waits for the main thread, and that span holds afterCall's time
   * (for sharp, a pipeline faster than reading its options). What it changes on
   * a span a completion callback already ended synchronously is recorded
   * (`Span.amend`), but span-end listeners saw the span before.
   */
  afterCall?(call: CallContext): void;
}

/**
 * A run-time switch shared by every wrapper of one target. Besides on/off it
 * carries the target's own accounting (so an overhead budget can see which
 * target costs too much for the work it measures) and a sampling rate.
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
  /** Recorded calls that returned a promise (ended by a promise reaction). */
  asyncCalls?: number;
  /** Calls that went straight through (disabled, sampled out, or inside stagescope's own code). */
  passThroughCalls?: number;
  /**
   * Set by an overhead budget when it samples or disables the target: the calls
   * that then go through unrecorded are still timed, and one that takes
   * `LONG_CALL_NS` or more is recorded after all (`recordLongCall`). A target a
   * user switched off is not watched.
   */
  watchLong?: boolean;
  /** Of `passThroughCalls`, those timed because of `watchLong`. */
  watchedCalls?: number;
  /** Of `watchedCalls`, those that returned a promise (timed to its settling, by one reaction). */
  watchedAsyncCalls?: number;
  /** Watched calls recorded because they took `LONG_CALL_NS` or more (they are not in `passThroughCalls`). */
  keptLongCalls?: number;
  /** Recorded calls that took 100 µs or more (never sampled, see `OverheadBudget`). */
  longCalls?: number;
  /**
   * The target's time sums, ns, in an object of their own whose fields are
   * doubles from the start (`switchTimes`). Not fields of the switch: a sum
   * takes a clock difference (a double) at the first call and fractions from
   * hook estimates, and a switch field that then changed from small integer
   * to double changed the map of every switch made before; a target whose
   * calls began later (sharp's after a loop of model runs) threw the
   * wrapper's optimised code back to the interpreter at its first call
   * ("wrong map"). Switch fields made doubles from the start cost a tiny
   * traced call 51–59 ns, a Float64Array 12–15 ns, this object 0 ± 5 ns
   * (40 interleaved rounds each on Node 22 and 24, against the code before).
   */
  times?: SwitchTimes;
  /** Recorded calls whose wrapper time was measured where it ran (a hooked target's; see `Trace.measuredCalls`). */
  measuredCalls?: number;
  /** Which calls of a hooked target are timed, and what its timed calls cost lately (timed-calls.ts). */
  timing?: TimedCallsState;
  /** Called every `BUDGET_CHECK_EVERY` ended calls (an overhead budget); must not throw. */
  onCheck?: ((sw: TargetSwitch) => void) | undefined;
}

/** A target's time sums, ns (`TargetSwitch.times`). */
export interface SwitchTimes {
  /** Work measured by the recorded calls (span durations). */
  durationNs: number;
  /** Time of the long calls (`longCalls`), left out of the budget's work per call: on a tiny target they are pauses of the process. */
  longDurationNs: number;
  /**
   * The target's library hook time (labelling on the call path): measured on
   * timed calls, the median of its recent timed calls on the others (timed-calls.ts).
   * Per-span probes are not in it (the trace's `overheadNs` holds them).
   */
  overheadNs: number;
  /** The wrapper time of `measuredCalls` (hooks and probes not in it); estimated for calls not timed (timed-calls.ts). */
  wrapperMeasuredNs: number;
}

/** New sums: each field is added with a fraction, which makes it a double field, then set to 0. */
function switchTimes(): SwitchTimes {
  const times: SwitchTimes = { durationNs: 0.5, longDurationNs: 0.5, overheadNs: 0.5, wrapperMeasuredNs: 0.5 };
  times.durationNs = 0;
  times.longDurationNs = 0;
  times.overheadNs = 0;
  times.wrapperMeasuredNs = 0;
  return times;
}

/** A switch's time sums (a copy; zeros for a switch no wrapper has counted on yet). */
export function switchTimesNs(sw: TargetSwitch): SwitchTimes {
  const times = sw.times;
  if (times === undefined) return { durationNs: 0, longDurationNs: 0, overheadNs: 0, wrapperMeasuredNs: 0 };
  return { durationNs: times.durationNs, longDurationNs: times.longDurationNs, overheadNs: times.overheadNs, wrapperMeasuredNs: times.wrapperMeasuredNs };
}

/** A switch with its accounting fields present (what the wrapper works with). */
export type CountedSwitch = Required<Omit<TargetSwitch, 'onCheck'>> & Pick<TargetSwitch, 'onCheck'>;

/** How often (in ended calls, a power of two) a switch's `onCheck` runs. */
export const BUDGET_CHECK_EVERY = 1024;

/** At which ended call of a target the process's clock switches to `performance.now()` (core/clock.ts). */
export const FAST_CLOCK_AFTER_CALLS = 16;

/** Fill in a switch's accounting fields once, so every wrapper sees the same object shape. */
export function countedSwitch(sw: TargetSwitch): CountedSwitch {
  sw.sampleEvery ??= 1;
  sw.sampleTick ??= 0;
  sw.calls ??= 0;
  sw.asyncCalls ??= 0;
  sw.passThroughCalls ??= 0;
  sw.watchLong ??= false;
  sw.watchedCalls ??= 0;
  sw.watchedAsyncCalls ??= 0;
  sw.keptLongCalls ??= 0;
  sw.longCalls ??= 0;
  sw.times ??= switchTimes();
  sw.measuredCalls ??= 0;
  sw.timing ??= timedCallsState();
  if (!('onCheck' in sw)) sw.onCheck = undefined;
  return sw as CountedSwitch;
}

/**
 * A hook with all four of its edges as own fields (undefined where it has
 * none), in one order: every target's hook has the same shape, so the
 * wrapper's optimised code, which reads `hook.onStart` and the others,
 * does not meet a new map when a target with other edges starts (sharp's
 * hook after onnxruntime's: "wrong map", test/optimised-wrapper.test.ts).
 * The edges are the hook's own functions, called with the uniform object as
 * `this` (no hook uses `this`).
 */
function uniformHook(hook: TargetHook | undefined): TargetHook | undefined {
  if (hook === undefined) return undefined;
  if (UNIFORM.has(hook)) return hook;
  const uniform: TargetHook = { onStart: hook.onStart, onEnd: hook.onEnd, aroundCall: hook.aroundCall, afterCall: hook.afterCall };
  UNIFORM.add(uniform);
  return uniform;
}
const UNIFORM = new WeakSet<TargetHook>();

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
  /**
   * What the hooks of this target share with the preset's other hooks (the
   * Instrumenter's scope). Without one, the first hooked call makes one for this
   * spec (a target wrapped directly with `wrapFunction`).
   */
  scope?: HookScope | undefined;
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

/*
 * No closure on the call path captures a local or a parameter of the function
 * that makes it, not even one made only when something fails: V8 gives such a
 * function a context object on every call, made when it is entered (measured
 * on Node 24: about 40 bytes a call, for an arrow in a catch that was never
 * made). Messages of failures are strings built when they happen, and the
 * closures the wrapper needs are made by the helpers below.
 */

/** Run a hook's or a factory callback's work: a failure is reported (`SS_HOOK_FAILED`), never thrown into the app. */
function safe(what: string, target: string, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    hookFailed(what, target, error);
  }
}

/** `onResult(value)`, a factory's result seen, guarded as `safe` does. */
function resultSeen(onResult: (value: unknown) => void, value: unknown, target: string): void {
  try {
    onResult(value);
  } catch (error) {
    hookFailed('factory result', target, error);
  }
}

/** A hook threw where the wrapper caught it inline (no closure on the call path). */
function hookFailed(what: string, target: string, error: unknown): void {
  reportGuarded('SS_HOOK_FAILED', `${what} for target ${target} threw`, error);
}

/** A returned promise's `then` threw: its span stays unfinished (a helper: the callers stay small). */
function notWatched(target: string, error: unknown): void {
  reportGuarded('SS_SPAN_FAILED', `could not watch the promise ${target} returned: its span stays unfinished`, error);
}

/** The `invoke` an aroundCall hook gets: the target itself, with the arguments the hook passes. */
function invokerOf(fn: (...args: unknown[]) => unknown, thisArg: unknown, newTarget: Function | undefined): (args: readonly unknown[]) => unknown {
  return (finalArgs: readonly unknown[]): unknown =>
    newTarget === undefined ? Reflect.apply(fn, thisArg, finalArgs as unknown[]) : Reflect.construct(fn, finalArgs as unknown[], newTarget);
}

/**
 * Wrap `original` so each call records a span. The wrapper returns exactly what
 * the original returns (the same promise object, never a chained copy), throws
 * exactly what it throws, keeps `this`, `new`, `name`, `length` and own
 * properties, and adds no unhandled rejection: the span is ended from a
 * separate `.then(onOk, onErr)` that handles both outcomes.
 *
 * The call path is kept to what a span needs (issue "Cost of observation"): one
 * context read, two clock readings (start, end), one short-lived `Span` handle
 * (the recorder copies it into typed arrays when it ends), one context switch,
 * and for a promise one reaction. No closures or objects are made per call unless
 * a hook or a completion callback needs them. The wrapper adds one stack frame:
 * the context is switched with `enterWith` and back rather than through
 * `AsyncLocalStorage.run`, whose frames (run → apply → original) cut the
 * recursion depth a traced function can reach by ~6×. Both switches lie
 * outside the span's clock readings (the span holds the call, not the switch:
 * on Node 24 each copies the context frame).
 */
export function wrapFunction<F extends Function>(original: F, spec: WrapSpec, tracer: Tracer): F {
  if (isWrapped(original)) return original;
  const fn = original as unknown as (...args: unknown[]) => unknown;
  // One shape for every target's hook (uniformHook), and for every spec: the
  // spec is the wrapper's own, and its hook scope is made now (the preset's,
  // or one for this spec), not at its first hooked call, which added a field
  // to it under code optimised for the specs of targets that ran before.
  spec.hook = uniformHook(spec.hook);
  if (tracer !== null) spec.scope ??= new HookScope(tracer);
  const { target, hook } = spec;
  const sw = countedSwitch(spec.switch);
  const simple = hook === undefined && !spec.callback && spec.onResult === undefined;
  // The recorder's id for the span name, looked up once (names are interned).
  const nameId = tracer === null ? -1 : tracer.recorder.intern(spec.name);
  const targetId = tracer === null ? -1 : tracer.recorder.intern(target);

  // A returned promise's reactions: made once per wrapped function (see settledHandlers).
  const settled = settledHandlers(sw, tracer);
  // What the general path needs besides the call itself, in one object: the
  // wrapper passes it one argument instead of seven (its frame stays small, see below).
  // (A hookless target takes it too, for a `new` call.)
  const site: HookedSite = { fn, spec, sw, tracer, nameId, targetId, settled: hookedSettledHandlers(spec, sw, tracer) };

  // `arguments`, not a rest parameter: `fn.apply(this, arguments)` is passed on
  // without an array being made (V8 optimises it), and the frame stays small (a
  // traced recursive function reaches deeper). No closure in here captures a
  // local, so no context object is allocated per call; a returned promise's
  // reactions are the target's shared `settled` handlers.
  const wrapped = function (this: unknown): unknown {
    // Fast path: disabled target, stagescope's own code running, or a call the
    // target's sampling skips (`sampleEvery` is 1 unless a budget sampled it).
    const store = storage.getStore();
    if (!sw.enabled || store === SUPPRESSED || syncSuppression.depth !== 0 || (sw.sampleEvery !== 1 && ++sw.sampleTick % sw.sampleEvery !== 0)) {
      sw.passThroughCalls++;
      if (sw.watchLong && store !== SUPPRESSED && syncSuppression.depth === 0 && new.target === undefined && spec.record) {
        // A target the budget sampled or disabled: still time the call, so that
        // one taking LONG_CALL_NS or more is recorded (issue: never lose a
        // model-sized call to the budget). Two clock readings, and for a promise
        // one reaction; no span and no context switch.
        sw.watchedCalls++;
        const parent = store === undefined ? tracer.ambientRoot : (store as Span);
        const startNs = nowNs();
        let result: unknown;
        try {
          // eslint-disable-next-line prefer-rest-params
          result = fn.apply(this, arguments as unknown as unknown[]);
        } catch (error) {
          const endNs = nowNs();
          if (endNs - startNs >= LONG_CALL_NS) recordLongCall(spec, sw, tracer, parent, startNs, endNs, error, true);
          throw error;
        }
        if (isPromise(result)) watchSettled(result as Promise<unknown>, spec, sw, tracer, parent, startNs);
        else {
          const endNs = nowNs();
          if (endNs - startNs >= LONG_CALL_NS) recordLongCall(spec, sw, tracer, parent, startNs, endNs, undefined, false);
        }
        return result;
      }
      // eslint-disable-next-line prefer-rest-params
      return new.target === undefined ? fn.apply(this, arguments as unknown as unknown[]) : Reflect.construct(fn, arguments, new.target);
    }
    // eslint-disable-next-line prefer-rest-params
    if (!spec.record) return passThroughWithResult(fn, this, Array.prototype.slice.call(arguments), new.target, spec.onResult, target);
    if (!simple || new.target !== undefined) {
      // A hooked target's wrapper is timed from here on the calls timeThisCall
      // picks (hookedCall; -1: not timed, see timed-calls.ts).
      const entryNs = hook !== undefined && timeThisCall(sw.timing) ? nowNs() : -1;
      // eslint-disable-next-line prefer-rest-params
      return hookedCall(site, this, Array.prototype.slice.call(arguments), new.target, store, entryNs);
    }

    // The process's first hookless calls run cold code: timed (see `cold`).
    // (No local for it: this frame stays small, see above.)
    if (cold.starts > 0) coldEntry(tracer);
    const span = tracer.openSpanFast(spec.name, nameId, spec.stage, target, store, targetId);
    span.retain = false; // nothing else holds it: the recorder's copy is enough
    span.trace.wrappedCalls++;
    // Both context switches fall outside the span's clock readings: they are the
    // wrapper's work, not the call's (on Node 24 each copies the context frame).
    storage.enterWith(span);
    // tracer.stampStart, inline: this is the hottest path. The row is taken
    // before the start reading: while the recorder fills, taking a row touches
    // fresh memory (about 0.5 µs a call on a VM), which is the wrapper's time,
    // not the call's.
    tracer.recorder.add(span);
    span.startNs = nowNs();
    tracer.recorder.started(span);
    if (cold.entryNs >= 0) coldStart(span, tracer);
    // The sync ends are helpers, so that this frame stays small (see above: recursion depth).
    let result: unknown;
    try {
      // eslint-disable-next-line prefer-rest-params
      result = fn.apply(this, arguments as unknown as unknown[]);
    } catch (error) {
      endAfterThrow(span, sw, tracer, store, error);
      throw error;
    }
    if (isPromise(result)) {
      endWhenSettled(result as Promise<unknown>, span, sw, settled, store, target);
    } else {
      endAfterReturn(span, sw, tracer, store);
    }
    return result;
  } as Wrapped;

  copyFunctionProperties(fn, wrapped);
  Object.defineProperty(wrapped, ORIGINAL, { value: original, enumerable: false });
  return wrapped as unknown as F;
}

/** A wrapped function's fixed part for the general path (hookedCall), made once in wrapFunction. */
interface HookedSite {
  fn: (...args: unknown[]) => unknown;
  spec: WrapSpec;
  sw: CountedSwitch;
  tracer: Tracer;
  nameId: number;
  targetId: number;
  /** The reactions that end a returned promise's span (hookedSettledHandlers). */
  settled: SettledHandlers;
}

/**
 * A call of a target with a hook or a completion callback, or a `new` call: the
 * general path. onStart and onEnd run outside the span's clock readings, and
 * so does afterCall for a call that returned or threw (see TargetHook); the
 * time of all three is measured (it is real cost on the call path, counted in
 * the overhead).
 */
function hookedCall(
  site: HookedSite,
  thisArg: unknown,
  args: unknown[],
  newTarget: Function | undefined,
  store: ContextValue | undefined,
  entryNs: number,
): unknown {
  const { fn, spec, sw, tracer, nameId, targetId, settled } = site;
  const { hook, target, onResult } = spec;
  // A hooked target's wrapper time is measured (`Trace.wrapperMeasuredNs`): from
  // `entryNs`, read in the wrapper, to the span's start reading; for a promise,
  // from the call's return to the wrapper's (two more readings); and from the
  // end reading to when the span is ended and stored (one more reading); each
  // hook edge takes two. That is on the calls timeThisCall picked; the others
  // count what the target's timed calls cost lately (`estimated`, timed-calls.ts).
  // Other calls on this path (`new`, completion callbacks, factories) are neither.
  const measured = entryNs >= 0;
  const estimated = !measured && hook !== undefined;
  const probesBeforeNs = tracer.probeNs;
  let span: Span;
  try {
    span = tracer.openSpanFast(spec.name, nameId, spec.stage, target, store, targetId);
  } catch (error) {
    reportGuarded('SS_SPAN_FAILED', `could not start a span for ${target}`, error);
    return newTarget === undefined ? fn.apply(thisArg, args) : Reflect.construct(fn, args, newTarget);
  }
  // The recorder keeps the span's copied fields, not the handle, unless a hook
  // that changes the span after its end asks for it (Span.retain; or Span.amend()).
  span.retain = false;
  const trace = span.trace;
  trace.wrappedCalls++;
  // One object per call for both hook edges: onEnd gets the same one with its
  // outcome filled in (its fields are there from the start: one shape).
  const call: CallState = {
    span,
    thisArg,
    args,
    scope: (spec.scope ??= new HookScope(tracer)),
    data: undefined,
    result: undefined,
    error: undefined,
    failed: false,
    startPartNs: -1,
    hooksNs: 0,
  };
  // onStart runs before the span's start reading: its time is the hook's, not the call's.
  let startHookNs = 0;
  if (hook?.onStart !== undefined) {
    const hookStartNs = measured ? nowNs() : -1;
    try {
      hook.onStart(call);
    } catch (error) {
      hookFailed('hook onStart', target, error);
    }
    if (measured) {
      startHookNs = nowNs() - hookStartNs;
      call.hooksNs += startHookNs;
      trace.overheadNs += startHookNs;
      sw.times.overheadNs += startHookNs;
    }
  }
  let callArgs = args;
  if (spec.callback && typeof args[args.length - 1] === 'function') {
    callArgs = args.slice();
    callArgs[callArgs.length - 1] = wrapCallback(args[args.length - 1] as Function, span, call, spec, sw, tracer, store);
  }
  let result: unknown;
  let threw = false;
  let thrown: unknown;
  // Both context switches fall outside the span's clock readings, as on the
  // hookless path: the end of a call that returned or threw is read before the
  // switch back (a promise's when it settles).
  let endNs = -1;
  let returnedNs = -1;
  storage.enterWith(span);
  tracer.stampStart(span);
  // Before the span's start reading: making the span, wrapping a callback and
  // switching the context (its probes are counted as probes, onStart as hooks).
  if (measured) {
    call.startPartNs = Math.max(0, span.startNs - entryNs - (tracer.probeNs - probesBeforeNs) - startHookNs);
    trace.measuredCalls++;
    trace.timedCalls++;
    trace.wrapperMeasuredNs += call.startPartNs;
  } else if (estimated) {
    trace.measuredCalls++; // its wrapper time is added when it ends (endHookedCall)
  }
  try {
    if (hook?.aroundCall !== undefined) {
      result = hook.aroundCall(call, invokerOf(fn, thisArg, newTarget));
    } else {
      result = newTarget === undefined ? fn.apply(thisArg, callArgs) : Reflect.construct(fn, callArgs, newTarget);
    }
    if (!isPromise(result)) endNs = nowNs();
    else {
      if (measured) returnedNs = nowNs();
      // The reactions that end the span, registered while the span is the
      // context, so that they find it there (hookedSettledHandlers). Not for
      // a call whose completion callback ends the span.
      if (callArgs === args) watchHookedPromise(result as Promise<unknown>, span, call, settled, target);
    }
  } catch (error) {
    endNs = nowNs();
    threw = true;
    thrown = error;
  } finally {
    storage.enterWith(store as ContextValue);
  }
  // afterCall's time, which the wrapper's measured end part leaves out (the
  // end of a call that returned or threw was read before it ran).
  let afterHookNs = 0;
  if (hook?.afterCall !== undefined) {
    const afterNs = measured ? nowNs() : -1;
    try {
      hook.afterCall(call);
    } catch (error) {
      hookFailed('hook afterCall', target, error);
    }
    if (measured) {
      afterHookNs = nowNs() - afterNs;
      call.hooksNs += afterHookNs;
      trace.overheadNs += afterHookNs;
      sw.times.overheadNs += afterHookNs;
    }
    // A completion callback called synchronously ended the span already: record what afterCall changed.
    if (span.endNs >= 0) tracer.amendSpan(span);
  }
  if (threw) {
    endHookedCall(span, call, spec, sw, tracer, endNs, undefined, thrown, true, afterHookNs);
    throw thrown;
  }
  if (spec.callback && callArgs !== args) {
    // the callback ends the span; a promise returned as well is left alone
  } else if (isPromise(result)) {
    sw.asyncCalls++;
    trace.asyncCalls++;
    if (measured || estimated) trace.measuredAsyncCalls++;
    if (measured) {
      // From the call's return to the wrapper's: the two reactions (registered
      // above), the switch back to the caller's context (on Node 24 a copy of
      // the context frame), the counters; afterCall is counted as a hook. It lies inside
      // the span (whose end is read when the promise settles), and it is the
      // wrapper's work: counted, like a sync call's switch back is in its end part.
      // Model loop (861 calls, three runs each): 1.4–3.7 µs a call on Node 24,
      // 1.2–5.7 µs on Node 22, that nothing counted before (docs/overhead.md).
      const returnPartNs = Math.max(0, nowNs() - returnedNs - afterHookNs);
      call.startPartNs += returnPartNs;
      trace.wrapperMeasuredNs += returnPartNs;
    }
  } else {
    endHookedCall(span, call, spec, sw, tracer, endNs, result, undefined, false, afterHookNs);
    if (onResult !== undefined) resultSeen(onResult, result, target);
  }
  return result;
}

/**
 * The process's first `COLD_CALLS` hookless recorded calls, and as many ends,
 * are timed where they run, like a hooked call's (`Trace.measuredCalls`). They
 * run the wrapper before V8 has optimised it, while the young generation's
 * pages and the compilers' memory are touched for the first time: on a 2-core
 * VM whose minor page fault costs 12–20 µs, a tiny async function's first
 * 1,024 traced calls measured 15–21 ms of wrapper time (Node 24, four runs),
 * where the per-Node estimate this replaced counted 4.2 ms. Later calls read
 * three of `cold`'s fields and do nothing more: the tiny loop A/B against the
 * code before (Node 24, 12 pairs) read +9.6 ns a call, median of pairs (range
 * −329 to +88), the price of timing the first calls.
 */
export const COLD_CALLS = 1_024;
const cold = {
  starts: COLD_CALLS,
  ends: COLD_CALLS,
  /** The entry of the cold call being started (`coldEntry`), until its start reading; -1 otherwise. */
  entryNs: -1,
};

/** Hookless calls still to be timed as cold in this process (tests read it). */
export function coldCallsLeft(): number {
  return cold.starts;
}

/**
 * The entry reading of a cold call (one of the first hookless ones), counting
 * it; less the probes' time so far, so that `coldStart` leaves out the span's
 * start probes with no second value to carry (≥ 0: probe time is part of the
 * time since the clock's anchor).
 */
function coldEntry(tracer: Tracer): void {
  cold.starts--;
  cold.entryNs = nowNs() - tracer.probeNs;
}

/** A cold call's wrapper time before its span's start reading, its probes' time left out (they are counted as probes). */
function coldStart(span: Span, tracer: Tracer): void {
  const trace = span.trace;
  trace.measuredCalls++;
  trace.timedCalls++;
  trace.wrapperMeasuredNs += Math.max(0, span.startNs - tracer.probeNs - cold.entryNs);
  cold.entryNs = -1;
}

/**
 * End a hookless call's span and do the target's accounting. A cold end (one
 * of the process's first `COLD_CALLS`) is timed: the wrapper's time from the
 * span's end reading until the span is ended and stored, as for a hooked call
 * (its end probes left out, and the budget's check in `account`). What lies
 * between the span's readings, like the reaction an async call registers, is
 * counted at the calibrated cost, as for a hooked call (`unmeasuredPartNs`).
 *
 * One function for cold and warm ends, not two: the callers' code, optimised
 * by V8 while the ends were cold, had never called a separate warm one, and
 * was thrown back to the interpreter at the 1,025th end ("Insufficient type
 * feedback for call", test/optimised-wrapper.test.ts). Here the warm end only
 * skips what the cold one did.
 */
function endCall(span: Span, sw: CountedSwitch, tracer: Tracer, endNs: number, error: unknown, failed: boolean, async: boolean): void {
  const coldEnd = cold.ends > 0;
  if (coldEnd) cold.ends--;
  const probesBeforeNs = tracer.probeNs;
  tracer.endSpan(span, endNs, error, failed);
  if (coldEnd) {
    const trace = span.trace;
    trace.wrapperMeasuredNs += Math.max(0, nowNs() - endNs - (tracer.probeNs - probesBeforeNs));
    if (async) trace.measuredAsyncCalls++;
  }
  account(span, sw, endNs);
}

/** A hookless call threw: read its end, switch back to the caller's context, end its span. */
function endAfterThrow(span: Span, sw: CountedSwitch, tracer: Tracer, store: ContextValue | undefined, error: unknown): void {
  const endNs = nowNs();
  storage.enterWith(store as ContextValue);
  endCall(span, sw, tracer, endNs, error, true, false);
}

/** A hookless call returned a value (not a promise): read its end, switch back to the caller's context, end its span. */
function endAfterReturn(span: Span, sw: CountedSwitch, tracer: Tracer, store: ContextValue | undefined): void {
  const endNs = nowNs();
  storage.enterWith(store as ContextValue);
  endCall(span, sw, tracer, endNs, undefined, false, false);
}

/**
 * A hookless call returned a promise: register the reactions that end its span
 * when it settles, then switch back to the caller's context. The reactions are
 * registered while the span is still the context, so they run in it and find
 * the span there (`settledHandlers`). The switch back is in a `finally`: a
 * promise subclass whose `then` throws must not leave the span as the caller's
 * context, nor reach the app (its span stays unfinished, and is reported).
 */
function endWhenSettled(
  result: Promise<unknown>,
  span: Span,
  sw: CountedSwitch,
  settled: SettledHandlers,
  store: ContextValue | undefined,
  target: string,
): void {
  // A cold call's return is timed, as a hooked call's (see hookedCall): the
  // reactions and the switch back lie inside its span, and are the wrapper's.
  // While cold calls are left, this call's start was cold too (the count only
  // goes down); the call that used the last one is not timed here, and no warm
  // call is (its cost is the calibrated one, whole).
  const returnedNs = cold.starts > 0 ? nowNs() : -1;
  sw.asyncCalls++;
  span.trace.asyncCalls++;
  try {
    result.then(settled.ok, settled.failed);
  } catch (error) {
    notWatched(target, error);
  } finally {
    storage.enterWith(store as ContextValue);
  }
  if (returnedNs >= 0) span.trace.wrapperMeasuredNs += nowNs() - returnedNs;
}

interface SettledHandlers {
  ok: (value?: unknown) => void;
  failed: (error: unknown) => void;
}

/**
 * The two reactions that end a hookless call's span when its promise settles,
 * made once per wrapped function. They are registered on the promise while
 * the span is the context (AsyncLocalStorage carries it into the reaction, on
 * every Node), so each finds its span with `getStore()` instead of a closure
 * per call: two closures and their context were 150–300 bytes of a tiny
 * call's garbage. Both outcomes are handled, so the promise the wrapper adds
 * (`then`'s) never rejects unhandled.
 */
function settledHandlers(sw: CountedSwitch, tracer: Tracer): SettledHandlers {
  return {
    ok: (): void => {
      const endNs = nowNs();
      endCall(storage.getStore() as Span, sw, tracer, endNs, undefined, false, true);
    },
    failed: (error: unknown): void => {
      const endNs = nowNs();
      endCall(storage.getStore() as Span, sw, tracer, endNs, error, true, true);
    },
  };
}

/**
 * A hooked call returned a promise: keep its state on the span and register
 * the target's shared reactions, while the span is the context. A promise
 * subclass whose `then` throws must not reach the app: its span stays
 * unfinished, and is reported (as on the hookless path, endWhenSettled).
 */
function watchHookedPromise(result: Promise<unknown>, span: Span, call: CallState, settled: SettledHandlers, target: string): void {
  span.pendingCall = call;
  try {
    result.then(settled.ok, settled.failed);
  } catch (error) {
    span.pendingCall = null;
    notWatched(target, error);
  }
}

/**
 * The reactions that end a hooked call's span when its promise settles, made
 * once per wrapped function as for a hookless call (settledHandlers): the span
 * is the context the reaction runs in, the call's state is on the span
 * (`Span.pendingCall`). Two closures and their context per call were ~200 of
 * the ~750 bytes the wrapper added to a cls model call over a hand-written
 * one (Node 24, sampling heap profiler).
 */
function hookedSettledHandlers(spec: WrapSpec, sw: CountedSwitch, tracer: Tracer): SettledHandlers {
  const { onResult, target } = spec;
  const takeCall = (span: Span): CallState => {
    const call = span.pendingCall as CallState;
    span.pendingCall = null;
    return call;
  };
  return {
    ok: (value?: unknown): void => {
      const endNs = nowNs();
      const span = storage.getStore() as Span;
      endHookedCall(span, takeCall(span), spec, sw, tracer, endNs, value, undefined, false);
      if (onResult !== undefined) resultSeen(onResult, value, target);
    },
    failed: (error: unknown): void => {
      const endNs = nowNs();
      const span = storage.getStore() as Span;
      endHookedCall(span, takeCall(span), spec, sw, tracer, endNs, undefined, error, true);
    },
  };
}

function endHookedCall(
  span: Span,
  call: CallState,
  spec: WrapSpec,
  sw: CountedSwitch,
  tracer: Tracer,
  endNs: number,
  result: unknown,
  error: unknown,
  failed: boolean,
  /** Hook time already counted that lies after `endNs` (afterCall of a call that returned or threw). */
  countedAfterEndNs = 0,
): void {
  const hook = spec.hook;
  const trace = span.trace;
  const timed = call.startPartNs >= 0;
  let hookNs = 0;
  if (hook?.onEnd !== undefined) {
    // After the span's end reading: the hook's time is overhead, not the call's.
    // Timed from its own reading: the switch back to the caller's context may
    // lie between the end reading and here (the wrapper's time, not the hook's).
    const hookStartNs = timed ? nowNs() : -1;
    try {
      call.result = result;
      call.error = error;
      call.failed = failed;
      hook.onEnd(call);
    } catch (hookError) {
      hookFailed('hook onEnd', spec.target, hookError);
    }
    if (timed) {
      hookNs = nowNs() - hookStartNs;
      trace.overheadNs += hookNs;
      sw.times.overheadNs += hookNs;
    }
  }
  const probesBeforeNs = tracer.probeNs;
  tracer.endSpan(span, endNs, error, failed);
  if (timed) {
    // After the span's end reading: ending it (span-end listeners included:
    // exporters, a worker's batches) and storing it; its probes are counted as
    // probes, the hook as hooks. On the switch both parts go in together, at
    // the end, before `account` may run the budget's check: calls in flight
    // add nothing to the average it takes.
    const endPartNs = Math.max(0, nowNs() - endNs - countedAfterEndNs - hookNs - (tracer.probeNs - probesBeforeNs));
    trace.wrapperMeasuredNs += endPartNs;
    sw.times.wrapperMeasuredNs += call.startPartNs + endPartNs;
    sw.measuredCalls++;
    noteTimedCall(sw.timing, call.startPartNs + endPartNs, call.hooksNs + hookNs);
  } else if (hook !== undefined) {
    // A hooked call not timed (timed-calls.ts): it counts what the target's
    // timed calls cost lately, wrapper and hooks, in OH and in the budget's view.
    const timing = sw.timing;
    trace.wrapperMeasuredNs += timing.wrapperEstimateNs;
    trace.overheadNs += timing.hooksEstimateNs;
    sw.times.wrapperMeasuredNs += timing.wrapperEstimateNs;
    sw.times.overheadNs += timing.hooksEstimateNs;
    sw.measuredCalls++;
  }
  account(span, sw, endNs);
}

/** Per-target accounting for an overhead budget (the switch was filled in by wrapFunction). */
function account(span: Span, sw: CountedSwitch, endNs: number): void {
  const durationNs = endNs - span.startNs;
  const times = sw.times;
  times.durationNs += durationNs;
  // A long call (≥ LONG_CALL_NS) is counted without a branch: its first one
  // may come after V8 has optimised this function (a pause of the process
  // under load), and a branch never taken before threw the optimised code
  // back ("Insufficient type feedback", test/optimised-wrapper.test.ts, a CI
  // run on Node 24). Both sums are written on every call.
  const long = durationNs >= LONG_CALL_NS ? 1 : 0;
  sw.longCalls += long;
  times.longDurationNs += long * durationNs;
  const calls = ++sw.calls;
  if (calls === FAST_CLOCK_AFTER_CALLS || (calls & (BUDGET_CHECK_EVERY - 1)) === 0) periodicCheck(span, sw, calls);
}

/**
 * A target's ended call that switches the clock, or that checks the budget.
 * Why one function, reached at the 16th call already: V8 optimises `account`
 * for what it has seen, and a call it has never seen made is compiled as a
 * bail-out; the budget's first check, at the 1,024th call, threw the
 * optimised `account` back to the interpreter ("Insufficient type feedback
 * for call"). Called at the 16th, the call is known when V8 optimises, and,
 * rare as it is, not inlined: its own branches do not matter.
 */
function periodicCheck(span: Span, sw: CountedSwitch, calls: number): void {
  // At the FAST_CLOCK_AFTER_CALLS-th call: before V8 optimises the wrapper
  // (core/clock.ts, why); a no-op once switched.
  useFastClock();
  if ((calls & (BUDGET_CHECK_EVERY - 1)) === 0 && sw.onCheck !== undefined) {
    const check = sw.onCheck;
    safe('overhead budget check', span.target ?? '', () => check(sw));
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
  if (isPromise(result)) watchFactoryResult(result as Promise<unknown>, onResult, target);
  else resultSeen(onResult, result, target);
  return result;
}

/** A factory's promise: `onResult` with what it resolves to. */
function watchFactoryResult(result: Promise<unknown>, onResult: (value: unknown) => void, target: string): void {
  result.then(
    (value) => resultSeen(onResult, value, target),
    () => undefined, // the app's own promise still rejects for the app; ours must not be unhandled
  );
}

/**
 * Replace a completion callback `(err, ...results)` by one that ends the span
 * first, then calls the user's callback with the same `this` and arguments, in
 * the caller's context — not inside the span: the callback is the caller's code,
 * so a traced call it makes is the caller's child (or, with no caller span, is
 * parented as any call outside a span), never a child of the finished span.
 */
function wrapCallback(
  callback: Function,
  span: Span,
  call: CallState,
  spec: WrapSpec,
  sw: CountedSwitch,
  tracer: Tracer,
  callerStore: ContextValue | undefined,
): Function {
  const wrappedCallback = function (this: unknown, ...cbArgs: unknown[]): unknown {
    const err = cbArgs[0];
    const failed = err !== null && err !== undefined;
    endHookedCall(span, call, spec, sw, tracer, nowNs(), failed ? undefined : cbArgs[1], failed ? err : undefined, failed);
    const current = storage.getStore();
    storage.enterWith(callerStore as ContextValue);
    try {
      return Reflect.apply(callback, this, cbArgs);
    } finally {
      storage.enterWith(current as ContextValue);
    }
  };
  copyFunctionProperties(callback, wrappedCallback);
  return wrappedCallback;
}

/**
 * Make `wrapped` look like `original`: same prototype chain, `name`, `length`,
 * `prototype` and other own properties (a function with static helpers attached,
 * like sharp's, keeps them). Descriptors are copied as they are, getters included.
 */
export function copyFunctionProperties(original: Function, wrapped: Function): void {
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
