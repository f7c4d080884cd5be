import { reportDiagnostic } from '../../core/diagnostics.js';

/** The value a label takes once its distinct-value cap is reached. */
export const OTHER_LABEL_VALUE = 'other';

/** Label values longer than this are cut (a route or target name is never legitimately longer). */
const MAX_LABEL_VALUE_LENGTH = 128;

/**
 * Caps the distinct values of each Prometheus label: every label series costs
 * memory in this process and in Prometheus forever, and route/target names can
 * come from user input (a 404 path per request). The first `maxValues` values
 * seen per label are kept; later new values are folded into `other`, counted,
 * and reported once per label.
 */
export class LabelValueLimiter {
  readonly maxValues: number;
  readonly #seen = new Map<string, Set<string>>();
  readonly #folded = new Map<string, number>();
  readonly #onFold: (label: string) => void;

  /** @param onFold called on every folded value (e.g. to count it in a metric). */
  constructor(maxValues: number, onFold: (label: string) => void = () => {}) {
    if (!Number.isInteger(maxValues) || maxValues < 1) {
      throw new RangeError(`stagescope Prometheus metrics: option maxLabelValues must be a positive integer, got ${String(maxValues)}`);
    }
    this.maxValues = maxValues;
    this.#onFold = onFold;
  }

  /** The value to use for `label`: `value` itself, or `other` past the cap. */
  limit(label: string, value: string): string {
    const bounded = value.length > MAX_LABEL_VALUE_LENGTH ? value.slice(0, MAX_LABEL_VALUE_LENGTH) : value;
    let seen = this.#seen.get(label);
    if (seen === undefined) this.#seen.set(label, (seen = new Set()));
    if (seen.has(bounded)) return bounded;
    if (seen.size < this.maxValues) {
      seen.add(bounded);
      return bounded;
    }
    const folded = (this.#folded.get(label) ?? 0) + 1;
    this.#folded.set(label, folded);
    if (folded === 1) {
      reportDiagnostic(
        'SS_LABEL_VALUES_FOLDED',
        `Prometheus label "${label}" reached ${this.maxValues} distinct values; further values are reported as "${OTHER_LABEL_VALUE}" ` +
          `(raise option maxLabelValues, or give routes templates such as /users/:id)`,
      );
    }
    this.#onFold(label);
    return OTHER_LABEL_VALUE;
  }

  /** How many values were folded into `other`, per label. */
  get folded(): ReadonlyMap<string, number> {
    return this.#folded;
  }
}
