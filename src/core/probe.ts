import type { Span } from './span.js';

/**
 * A per-span probe: reads something cheap when a span starts and when it ends,
 * and writes the difference into the span's metrics (units in the metric key).
 * `start` returns whatever state `end` needs. Probes run inside the wrapper's
 * timed region, so their cost shows in the overhead figure.
 */
export interface SpanProbe {
  readonly name: string;
  start(span: Span): unknown;
  end(span: Span, state: unknown): void;
  /**
   * True when `start` and `end` are synchronous, start no asynchronous work and
   * call nothing a target could wrap but through Node's own bindings (the
   * built-in probes). Tracing inside them is then suppressed with a counter
   * instead of an AsyncLocalStorage switch (~0.2 µs less per span edge). A
   * probe that leaves this unset keeps the switch, so a promise it starts stays
   * untraced too.
   */
  readonly selfContained?: boolean;
  /** Called once when tracing of a run starts / stops (subscribe / unsubscribe). */
  activate?(): void;
  deactivate?(): void;
}

/**
 * The clock reading the tracer takes before each span edge's probes anyway
 * (for `probeNs`), lent to the built-in probes: `atNs` (ns, `nowNs()`), -1
 * outside an edge. Their shared readings took four more clock readings a span
 * of their own (per-span-readings.ts).
 */
export const probeEdge = { atNs: -1 };
