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
export const RETROACTIVE_START_NS = 2e6;

/** True when `span` was started with a `startNs` well before now (see RETROACTIVE_START_NS). */
export function isRetroactive(span: Span): boolean {
  return nowNs() - span.startNs > RETROACTIVE_START_NS;
}
