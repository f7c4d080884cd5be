import { nowNs } from '../core/clock.js';
import { guarded } from '../core/guarded.js';
import type { Span } from '../core/span.js';
import type { Tracer } from '../core/tracer.js';
import type { Stage } from '../core/types.js';

/**
 * The overhead budget's promise (issue "Cost of observation"): no call of
 * `LONG_CALL_NS` or more is lost to it. Once it samples or disables a target
 * (`TargetSwitch.watchLong`), the wrapper still times the calls it lets through
 * (wrap.ts, the pass-through branch) and hands a long one to `recordLongCall`.
 */

/** What a kept call's span is named after (a wrapper's `WrapSpec`). */
interface WatchedTarget {
  readonly name: string;
  readonly stage: Stage | null;
  readonly target: string;
}

/** The target's counters this file moves (a wrapper's `CountedSwitch`). */
interface WatchCounters {
  passThroughCalls: number;
  watchedAsyncCalls: number;
  keptLongCalls: number;
}

/** A call at least this long is never sampled out or disabled by an overhead budget (issue: model calls are what users came to see). */
export const LONG_CALL_NS = 100_000;

/** Attribute of a span recorded by `recordLongCall` (its target was sampled or disabled by the budget). */
export const WATCHED_ATTRIBUTE = 'stagescope.watched';

/** A watched pass-through call returned a promise: record it if it settles `LONG_CALL_NS` or more after it started. */
export function watchSettled(result: Promise<unknown>, spec: WatchedTarget, sw: WatchCounters, tracer: Tracer, parent: Span | null, startNs: number): void {
  sw.watchedAsyncCalls++;
  result.then(
    () => {
      const endNs = nowNs();
      if (endNs - startNs >= LONG_CALL_NS) recordLongCall(spec, sw, tracer, parent, startNs, endNs, undefined, false);
    },
    (error: unknown) => {
      const endNs = nowNs();
      if (endNs - startNs >= LONG_CALL_NS) recordLongCall(spec, sw, tracer, parent, startNs, endNs, error, true);
    },
  );
}

/**
 * Record, after it ended, a watched call that took `LONG_CALL_NS` or more: a
 * span with the call's own start and end, under `parent` (the span current
 * when it was called, or the tracer's ambient root then: found at the call, as
 * a recorded call's is).
 * - It ran outside a context of its own, so traced calls made inside it are its
 *   siblings, not its children.
 * - Its target's hooks do not run: the span has the target's name, not a
 *   per-call label.
 * - Per-span probes read nothing: both readings would come after the call
 *   (`probes: false`).
 * The call counts as recorded, not skipped.
 */
export function recordLongCall(
  spec: WatchedTarget,
  sw: WatchCounters,
  tracer: Tracer,
  parent: Span | null,
  startNs: number,
  endNs: number,
  error: unknown,
  failed: boolean,
): void {
  guarded(
    'SS_SPAN_FAILED',
    () => `could not record a long call of ${spec.target}`,
    () => {
      const span = tracer.startSpan(spec.name, { parent, stage: spec.stage, target: spec.target, startNs, probes: false });
      span.setAttribute(WATCHED_ATTRIBUTE, true);
      span.trace.wrappedCalls++;
      span.trace.keptCalls++;
      tracer.endSpan(span, endNs, error, failed);
      sw.passThroughCalls--;
      sw.keptLongCalls++;
    },
  );
}
