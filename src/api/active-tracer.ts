import type { Tracer } from '../core/tracer.js';

/**
 * The tracer of the preset that is running now, for the manual API (`span`,
 * `traced`). A slot on `globalThis` under a registered symbol, like the context
 * storage: the script may import a different copy of stagescope than the driver
 * (its own node_modules, CJS vs ESM), and both must see the same preset.
 */
interface ActiveSlot {
  tracer: Tracer | null;
}

const SLOT_KEY = Symbol.for('stagescope.active-tracer.v1');
type GlobalWithSlot = typeof globalThis & { [SLOT_KEY]?: ActiveSlot };

/** One object, read once per call: with no preset running, `span()` costs this one field check. */
export const activeSlot: ActiveSlot = ((globalThis as GlobalWithSlot)[SLOT_KEY] ??= { tracer: null });

/**
 * Make `tracer` the one manual spans go to; returns the function that clears it
 * again (only if it is still the active one, so an older run's finish cannot
 * clear a newer run's tracer).
 */
export function setActiveTracer(tracer: Tracer): () => void {
  activeSlot.tracer = tracer;
  return () => {
    if (activeSlot.tracer === tracer) activeSlot.tracer = null;
  };
}

/** The running preset's tracer, or null. */
export function activeTracer(): Tracer | null {
  return activeSlot.tracer;
}
