import type { Span } from '../core/span.js';
import { hookState, type HookScope } from '../instrument/hook-registry.js';
import type { Phase } from './tesseract/tesseract-progress.js';

/**
 * Child spans known only after the fact. A hook learns a call's phases from
 * events it received while the call ran (tesseract.js progress events), in its
 * `onEnd`, before the wrapper ends the span: it leaves them here, and its
 * scope's tracer turns them into real child spans when the parent ends, with
 * the events' own timestamps, clamped into the parent.
 */
const DERIVED_PHASES = hookState('derived-phases', (scope) => {
  const pending = new WeakMap<Span, Phase[]>();
  const tracer = scope.tracer;
  // Subscribed the first time a hook of this scope derives phases; lives as long as the tracer.
  tracer.onSpanEnd((span) => {
    const phases = pending.get(span);
    if (phases === undefined) return;
    pending.delete(span);
    for (const phase of phases) {
      const startNs = Math.min(Math.max(phase.startNs, span.startNs), span.endNs);
      const endNs = Math.min(Math.max(phase.endNs, startNs), span.endNs);
      const child = tracer.startSpan(phase.name, { parent: span, stage: phase.stage, startNs });
      for (const [key, value] of Object.entries(phase.attributes)) child.setAttribute(key, value);
      tracer.endSpan(child, endNs);
    }
  });
  return pending;
});

/** Attach phases to `span`; they become its children (in `scope`'s tracer) when it ends. */
export function addDerivedPhases(scope: HookScope, span: Span, phases: readonly Phase[]): void {
  if (phases.length === 0) return;
  const pending = scope.state(DERIVED_PHASES);
  const list = pending.get(span);
  if (list === undefined) pending.set(span, [...phases]);
  else list.push(...phases);
}
