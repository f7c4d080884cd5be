import { settingError } from '../core/bad-value.js';

/*
 * The overhead budget's setting on its own (default, accepted values, check):
 * the option table reads it in the CLI's parent process, which must not load
 * the budget, the wrapper and the tracer just to check a number.
 */

/** Wrapper overhead allowed per target by default, in percent of the work its spans measure. */
export const DEFAULT_MAX_OVERHEAD_PCT = 1;

/** What the budget accepts; `"off"` is how text (a flag, an env var) spells `Infinity`. */
export const OVERHEAD_PCT_EXPECTED = 'a number > 0 (percent of the measured work; "off" or Infinity turns the budget off)';

/**
 * `value` if it is a budget (a number > 0, `Infinity` = off); else throws the
 * one message, naming `label` and showing `given` (the text, when it came as text).
 */
export function checkOverheadPct(value: unknown, label = 'option maxOverheadPct', given: unknown = value): number {
  if (typeof value !== 'number' || !(value > 0)) throw settingError(label, OVERHEAD_PCT_EXPECTED, given);
  return value;
}
