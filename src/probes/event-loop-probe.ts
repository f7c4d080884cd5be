import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { SpanProbe } from '../core/probe.js';
import type { Span } from '../core/span.js';
import { isRetroactive } from './retroactive.js';

/**
 * Event-loop utilisation per span (`performance.eventLoopUtilization()`, ~0.4 µs
 * per read): how much of the span's wall time the main thread spent running
 * (JS, native calls, callbacks) instead of waiting in the loop's poll phase.
 *
 * - `loopBusyNs`: main-thread busy time during the span;
 * - `loopUtilizationRatio`: busy / (busy + idle), 0–1. A span near 1 blocked
 *   the loop: nothing else (timers, I/O callbacks, other requests) could run.
 *   onnxruntime-node's `run` computes synchronously on the main thread after
 *   a `setImmediate`, so its spans show ~1; a tesseract.js `recognize` waits
 *   on a worker thread and shows ~0.
 *
 * Before the event loop has started (a script's synchronous top level) there
 * is nothing to measure and the metrics are left out. Delay (how late timers
 * fire) cannot be credited to one span: the late timer fires after the block
 * that delayed it has ended, in whatever span comes next. It is sampled as a
 * time series instead (`EventLoopDelaySampler`).
 */
export class EventLoopProbe implements SpanProbe {
  readonly name = 'eventloop';
  readonly selfContained = true;

  start(span: Span): EventLoopUtilization | null {
    return isRetroactive(span) ? null : performance.eventLoopUtilization();
  }

  end(span: Span, state: unknown): void {
    if (state === null) return;
    const delta = performance.eventLoopUtilization(state as EventLoopUtilization);
    if (delta.active + delta.idle <= 0) return;
    span.setMetric('loopBusyNs', Math.round(delta.active * 1e6));
    span.setMetric('loopUtilizationRatio', delta.utilization);
  }
}
