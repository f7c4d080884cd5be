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
  /** Called once when tracing of a run starts / stops (subscribe / unsubscribe). */
  activate?(): void;
  deactivate?(): void;
}
