import { isPromise } from 'node:util/types';
import { nowNs } from '../core/clock.js';
import { storage, SUPPRESSED, syncSuppression } from '../core/context.js';
import { reportDiagnostic } from '../core/diagnostics.js';
import { guarded } from '../core/guarded.js';
import type { Span } from '../core/span.js';
import type { Tracer } from '../core/tracer.js';
import { isStage, STAGES, type Attributes, type Stage } from '../core/types.js';
import { activeSlot } from './active-tracer.js';

/** Options of a manual span. */
export interface ManualSpanOptions {
  /** Pipeline stage of the span (`detection`, …). Default none: it belongs to its parent's stage. */
  stage?: Stage | null;
  /** Attributes recorded on the span (strings, numbers, booleans). Default none. */
  attributes?: Attributes;
}

/**
 * Record `fn` as a span of the running preset, with library spans (model runs,
 * image decodes) made inside it nested under it. Returns exactly what `fn`
 * returns — the same value, the same promise object — and throws exactly what it
 * throws; an async `fn` is measured until its promise settles.
 *
 * With no preset running (the script runs plain, in production) it is a plain
 * call of `fn` behind one field check, so scripts can keep their spans.
 *
 * @example
 * import { span } from 'stagescope';
 * const boxes = await span('find plates', { stage: 'detection' }, () => detector.run(feeds));
 * const text = span('decode', () => decode(logits)); // sync works too
 */
export function span<T>(name: string, fn: () => T): T;
export function span<T>(name: string, options: ManualSpanOptions | undefined, fn: () => T): T;
export function span<T>(name: string, optionsOrFn: ManualSpanOptions | undefined | (() => T), maybeFn?: () => T): T {
  const fn = typeof optionsOrFn === 'function' ? optionsOrFn : maybeFn;
  const tracer = activeSlot.tracer;
  if (tracer === null) {
    if (typeof fn !== 'function') throw new TypeError(badFunction(name, fn));
    return fn();
  }
  if (typeof fn !== 'function') throw new TypeError(badFunction(name, fn));
  const options = typeof optionsOrFn === 'function' ? undefined : optionsOrFn;
  return runInSpan(tracer, name, options, fn, undefined, []);
}

function badFunction(name: unknown, fn: unknown): string {
  return `stagescope span(${JSON.stringify(String(name))}): the last argument must be the function to run, got ${fn === null ? 'null' : typeof fn}`;
}

/**
 * Start a span, run `fn` (with `thisArg` and `args`) inside it, end it when
 * `fn` returns, throws, or its promise settles. Shared by `span` and `traced`.
 * Stagescope's own failures are reported as diagnostics, never thrown.
 */
export function runInSpan<T>(
  tracer: Tracer,
  name: string,
  options: ManualSpanOptions | undefined,
  fn: (...args: unknown[]) => T,
  thisArg: unknown,
  args: unknown[],
): T {
  if (storage.getStore() === SUPPRESSED || syncSuppression.depth !== 0) return Reflect.apply(fn, thisArg, args);
  const entryNs = nowNs();
  const span = guarded(
    'SS_SPAN_FAILED',
    () => `could not start the manual span "${String(name)}"`,
    () => startManualSpan(tracer, name, options),
  );
  if (span === undefined) return Reflect.apply(fn, thisArg, args);
  const trace = span.trace;
  trace.overheadNs += nowNs() - entryNs;
  let result: T;
  try {
    result = storage.run(span, Reflect.apply, fn, thisArg, args) as T;
  } catch (error) {
    end(tracer, span, error, true);
    throw error;
  }
  if (isPromise(result)) {
    // A separate reaction that handles both outcomes: the app's promise is
    // returned as it is and no unhandled rejection is created.
    (result as Promise<unknown>).then(
      () => end(tracer, span, undefined, false),
      (error: unknown) => end(tracer, span, error, true),
    );
  } else {
    end(tracer, span, undefined, false);
  }
  return result;
}

function startManualSpan(tracer: Tracer, name: string, options: ManualSpanOptions | undefined): Span {
  const span = tracer.startSpan(String(name), { stage: checkedStage(name, options?.stage) });
  const attributes = options?.attributes;
  if (attributes !== undefined && attributes !== null) {
    for (const [key, value] of Object.entries(attributes)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') span.setAttribute(key, value);
    }
  }
  span.setAttribute('manual', true);
  return span;
}

function end(tracer: Tracer, span: Span, error: unknown, failed: boolean): void {
  const endNs = nowNs();
  guarded(
    'SS_SPAN_FAILED',
    () => `could not end the manual span "${span.name}"`,
    () => tracer.endSpan(span, endNs, error, failed),
  );
  span.trace.overheadNs += nowNs() - endNs;
}

/** A wrong stage is the caller's mistake, but the app must not fail for it: reported, and the span gets none. */
function checkedStage(name: string, stage: unknown): Stage | null {
  if (stage === undefined || stage === null) return null;
  if (isStage(stage)) return stage;
  reportDiagnostic(
    'SS_SPAN_BAD_STAGE',
    `span "${String(name)}": stage ${JSON.stringify(stage)} is not a stage (one of ${STAGES.join(', ')}); the span has none`,
  );
  return null;
}
