import type { Span } from '../core/span.js';
import type { Tracer } from '../core/tracer.js';
import type { Phase } from './tesseract/tesseract-progress.js';

/**
 * Child spans known only after the fact. A hook learns a call's phases from
 * events it received while the call ran (tesseract.js progress events); it
 * cannot create spans itself (hooks do not hold the tracer), so it leaves the
 * phases here and the preset's tracer turns them into real child spans when the
 * parent ends, with the events' own timestamps.
 */
const pending = new WeakMap<Span, Phase[]>();

/** Attach phases to `span`; they become its children when it ends. */
export function addDerivedPhases(span: Span, phases: readonly Phase[]): void {
  if (phases.length === 0) return;
  const list = pending.get(span);
  if (list === undefined) pending.set(span, [...phases]);
  else list.push(...phases);
}

/**
 * Make `tracer` create the derived children of its spans as they end. Returns
 * the unsubscribe function. Children are clamped into the parent, so a child
 * never outlasts its parent.
 */
export function materializeDerivedPhases(tracer: Tracer): () => void {
  return tracer.onSpanEnd((span) => {
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
}
