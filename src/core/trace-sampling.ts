import type { Trace } from './span.js';

/**
 * Traces whose caller said "not sampled" (an incoming W3C `traceparent` with
 * trace flags 00). They are still measured locally — the request tree, the
 * page, Prometheus — but never exported, and every `traceparent` they send on
 * (response, outgoing calls) keeps flags 00, so the decision of the service at
 * the head of the trace holds across all services.
 */
const unsampled = new WeakSet<Trace>();

export function markUnsampled(trace: Trace): void {
  unsampled.add(trace);
}

/** False only for a trace a caller marked not sampled. */
export function isSampled(trace: Trace): boolean {
  return !unsampled.has(trace);
}
