import path from 'node:path';
import { settingError } from '../../core/setting-error.js';

/**
 * How one setting's values are written and checked: as text (a flag's value,
 * an environment variable) and as an API value. Every way in ends in the same
 * message for a bad value, naming the way it came (`label`).
 */
export interface ValueType<T> {
  /** What a good value is, for messages and `--help`: `a positive integer`. */
  readonly expected: string;
  /** Text (a flag's value, an env var) to a value; throws naming `label` when the text is not one. */
  parse(text: string, label: string): T;
  /** A value to the text `parse` reads back: how the CLI hands a setting to the traced process. */
  format(value: T): string;
  /** An API value, checked (and normalised where the API is laxer than text); throws naming `label`. */
  check(value: unknown, label: string): T;
  /** The values of a repeated flag (`--targets a --targets b`); list types only. */
  parseEach?(texts: readonly string[], label: string): T;
}

const SWITCH_EXPECTED = 'true or false (1 or 0 as text)';

/**
 * On or off: `--quiet`, `STAGESCOPE_QUIET=1`, `quiet: true`. Text `0`/`false`
 * says off explicitly; anything else is an error rather than a silent "off".
 */
export const switchType: ValueType<boolean> = {
  expected: SWITCH_EXPECTED,
  parse(text, label) {
    if (text === '1' || text === 'true') return true;
    if (text === '0' || text === 'false') return false;
    throw settingError(label, SWITCH_EXPECTED, text);
  },
  format: (value) => (value ? '1' : '0'),
  check(value, label) {
    if (typeof value !== 'boolean') throw settingError(label, SWITCH_EXPECTED, value);
    return value;
  },
};

/** Any non-empty text (a preset name, a label, an argument for node). */
export function textType(expected: string): ValueType<string> {
  const check = (value: unknown, label: string): string => {
    if (typeof value !== 'string' || value === '') throw settingError(label, expected, value);
    return value;
  };
  return { expected, parse: check, format: (value) => value, check };
}

/**
 * A file to write or read. As text it is made absolute: the traced process may
 * run in another directory than the CLI that names the file (`bench --cwd`).
 */
export const fileType: ValueType<string> = { ...textType('a file path'), format: (file) => path.resolve(file) };

/**
 * A list of `element`s: one text separated by `separator` (an env var), one
 * flag given several times, or an array (API). Empty entries are skipped.
 */
export function listType<T>(element: ValueType<T>, separator: string, expected: string): ValueType<T[]> {
  return {
    expected,
    parse: (text, label) =>
      text
        .split(separator)
        .filter((entry) => entry !== '')
        .map((entry) => element.parse(entry, label)),
    format: (values) => values.map((value) => element.format(value)).join(separator),
    check(value, label) {
      if (!Array.isArray(value)) throw settingError(label, expected, value);
      return value.map((entry: unknown, index) => element.check(entry, `${label}[${index}]`));
    },
    parseEach: (texts, label) => texts.map((text) => element.parse(text, label)),
  };
}

/** An integer ≥ `min`; `expected` words it for users (`a positive integer`, `an integer ≥ 2 (…)`). */
export function integerType(min: number, expected: string): ValueType<number> {
  const check = (value: unknown, label: string, given: unknown = value): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw settingError(label, expected, given);
    return value;
  };
  return {
    expected,
    parse: (text, label) => check(text.trim() === '' ? NaN : Number(text), label, text),
    format: (value) => String(value),
    check: (value, label) => check(value, label),
  };
}

/** A finite number ≥ `min` (`--threshold 10`). */
export function numberType(min: number, expected: string): ValueType<number> {
  const check = (value: unknown, label: string, given: unknown = value): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) throw settingError(label, expected, given);
    return value;
  };
  return {
    expected,
    parse: (text, label) => check(text.trim() === '' ? NaN : Number(text), label, text),
    format: (value) => String(value),
    check: (value, label) => check(value, label),
  };
}

/** One of a few words (`self` or `total`). */
export function oneOfType<const W extends string>(words: readonly W[], expected: string): ValueType<W> {
  const check = (value: unknown, label: string): W => {
    if (!(words as readonly unknown[]).includes(value)) throw settingError(label, expected, value);
    return value as W;
  };
  return { expected, parse: check, format: (value) => value, check };
}
