import { settingError } from '../core/setting-error.js';

/**
 * The overhead budget's one setting, apart from the budget itself: the option
 * table (presets/options/) parses `--max-overhead-pct` and
 * `STAGESCOPE_MAX_OVERHEAD_PCT` with it, and `OverheadBudget` checks
 * `maxOverheadPct` with it, so all three say the same thing about a bad value.
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
