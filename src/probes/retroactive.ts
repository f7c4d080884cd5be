import { nowNs } from '../core/clock.js';
import type { Span } from '../core/span.js';

/**
 * How far in the past a span may start and still be probed. A wrapper reads the
 * clock and starts its span within microseconds; spans made after the fact
 * (phases derived from progress events, with an explicit earlier `startNs`)
 * start and end in the same instant, so a delta probe would measure nothing
 * and divide it by the phase's real duration. Delta probes skip them: no
 * metric is better than a wrong one.
 */
export const RETROACTIVE_START_NS = 5e6;

let lastSpan: Span | null = null;
let lastAnswer = false;

/**
 * True when `span` was started with a `startNs` well before now (see
 * RETROACTIVE_START_NS). Decided once per span: the probes of one span run one
 * after the other, and a slow first probe must not make the next one skip.
 */
export function isRetroactive(span: Span): boolean {
  if (span !== lastSpan) {
    lastSpan = span;
    // startNs is -1 while a live span's clock reading is still to come (probes read first)
    lastAnswer = span.startNs >= 0 && nowNs() - span.startNs > RETROACTIVE_START_NS;
  }
  return lastAnswer;
}
