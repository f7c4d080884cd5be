import { optionError, type StagescopeError } from './errors.js';

/**
 * How an error names a bad value: `describeValue` for any value, and
 * `settingError`, the one message for a setting (flag, env var or option)
 * whose value is not one it takes.
 */

/** A value as an error message names it (`a list`, `"det"`, `number 3`): target files, model rules and settings alike. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/**
 * The one message for a setting with a bad value, whichever way the value came
 * in: `label` names the setting as the user wrote it (`--max-spans`,
 * `STAGESCOPE_MAX_SPANS`, `option maxSpans`), `expected` says what it accepts,
 * `given` is what arrived (text from a flag or env var is quoted as typed).
 * A `StagescopeError` with code `SS_ERR_OPTION_INVALID` (the CLI exits 2).
 *
 * @example settingError('--max-spans', 'a positive integer', '0').message
 * // 'stagescope: --max-spans must be a positive integer, got "0"'
 */
export function settingError(label: string, expected: string, given: unknown): StagescopeError {
  return optionError(`${label} must be ${expected}, got ${shownValue(given)}`);
}

/** Numbers bare (`got 0`, as the recorder's own check says it), everything else as `describeValue` does. */
function shownValue(given: unknown): string {
  return typeof given === 'number' || typeof given === 'boolean' ? String(given) : describeValue(given);
}
