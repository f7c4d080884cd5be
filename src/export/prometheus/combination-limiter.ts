import { reportDiagnostic } from '../../core/diagnostics.js';
import { OTHER_LABEL_VALUE } from './label-limiter.js';

/** The methods of RFC 9110 (and PATCH); anything else Node's parser accepts (PROPFIND, MKCOL, …) is `other`. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** A request method as a label value: one of the standard methods, or `other`. */
export function methodLabel(method: string): string {
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : OTHER_LABEL_VALUE;
}

export interface RouteSeriesLabels {
  route: string;
  method: string;
  status: string;
}

/**
 * Caps the HTTP metrics' series in combination, not per label: 100 routes ×
 * 10 methods × 60 statuses is 60 000 counters (and ×16 for a histogram) even
 * though every label alone is within its cap. The first `maxCombinations`
 * distinct (route, method, status) triples are kept; every later new triple is
 * counted as route/method/status `other`, and one diagnostic says so.
 */
export class RouteSeriesLimiter {
  readonly maxCombinations: number;
  readonly #seen = new Set<string>();
  #folded = 0;

  constructor(maxCombinations: number) {
    if (!Number.isInteger(maxCombinations) || maxCombinations < 1) {
      throw new RangeError(`stagescope Prometheus metrics: option maxRouteSeries must be a positive integer, got ${String(maxCombinations)}`);
    }
    this.maxCombinations = maxCombinations;
  }

  /** The labels to use: the given ones, or all `other` past the cap. */
  limit(labels: RouteSeriesLabels): RouteSeriesLabels {
    const key = `${labels.route}\u0000${labels.method}\u0000${labels.status}`;
    if (this.#seen.has(key)) return labels;
    if (this.#seen.size < this.maxCombinations) {
      this.#seen.add(key);
      return labels;
    }
    this.#folded++;
    if (this.#folded === 1) {
      reportDiagnostic(
        'SS_ROUTE_SERIES_FOLDED',
        `Prometheus HTTP metrics reached ${this.maxCombinations} distinct (route, method, status) combinations; further ones are reported as route="${OTHER_LABEL_VALUE}", method="${OTHER_LABEL_VALUE}", status="${OTHER_LABEL_VALUE}" ` +
          `(raise option maxRouteSeries, or give routes templates such as /users/:id)`,
      );
    }
    return { route: OTHER_LABEL_VALUE, method: OTHER_LABEL_VALUE, status: OTHER_LABEL_VALUE };
  }

  /** Requests whose combination was folded into `other`. */
  get folded(): number {
    return this.#folded;
  }
}
