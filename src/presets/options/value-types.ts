import path from 'node:path';
import { settingError } from '../../core/bad-value.js';
import { optionError } from '../../core/errors.js';
import type { SpanProbe } from '../../core/probe.js';
import { isStage, STAGES, type Stage } from '../../core/types.js';
import { checkOverheadPct, OVERHEAD_PCT_EXPECTED } from '../../instrument/overhead-pct.js';
import { isProbeName, parseProbeList, PROBE_NAMES, unknownProbeError } from '../../probes/probe-names.js';
// Type only: the registry loads every probe module, which a run without probes never needs.
import type { ProbeSpec } from '../../probes/registry.js';
import { MIN_DURATION_EXPECTED, parseMinDuration, type MinDuration } from '../../render/min-duration.js';
import type { CallMainMode } from '../../driver/main-export.js';

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

/** `1`/`true` → true, `0`/`false` → false, anything else undefined (the caller's error to word). */
function switchText(text: string): boolean | undefined {
  if (text === '1' || text === 'true') return true;
  if (text === '0' || text === 'false') return false;
  return undefined;
}

/**
 * On or off: `--quiet`, `STAGESCOPE_QUIET=1`, `quiet: true`. Text `0`/`false`
 * says off explicitly; anything else is an error rather than a silent "off".
 */
export const switchType: ValueType<boolean> = {
  expected: SWITCH_EXPECTED,
  parse(text, label) {
    const on = switchText(text);
    if (on === undefined) throw settingError(label, SWITCH_EXPECTED, text);
    return on;
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
  return boundedNumberType(min, expected, Number.isInteger);
}

/** A finite number ≥ `min` (`--threshold 10`). */
export function numberType(min: number, expected: string): ValueType<number> {
  return boundedNumberType(min, expected, Number.isFinite);
}

function boundedNumberType(min: number, expected: string, accepts: (value: number) => boolean): ValueType<number> {
  const check = (value: unknown, label: string, given: unknown = value): number => {
    if (typeof value !== 'number' || !accepts(value) || value < min) throw settingError(label, expected, given);
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

/*
 * The value types of stagescope's own settings (budget, thresholds, stages,
 * probes, main): each parses, prints and checks through the one message its
 * own module words (`OVERHEAD_PCT_EXPECTED`, `MIN_DURATION_EXPECTED`,
 * `unknownProbeError`), so a flag, an env var and an option cannot drift apart.
 */

/** The overhead budget in percent; `off` (text) and `Infinity` (API) turn it off. */
export const overheadPctType: ValueType<number> = {
  expected: OVERHEAD_PCT_EXPECTED,
  parse: (text, label) => checkOverheadPct(text === 'off' ? Infinity : text.trim() === '' ? NaN : Number(text), label, text),
  format: (pct) => (pct === Infinity ? 'off' : String(pct)),
  check: (value, label) => checkOverheadPct(value, label),
};

/** A threshold: `1ms`, `250us`, `5%` as text; ns (a number) or a `MinDuration` in the API. */
export const minDurationType: ValueType<MinDuration> = {
  expected: MIN_DURATION_EXPECTED,
  parse: (text, label) => parseMinDuration(text, label),
  format: (threshold) => (threshold.kind === 'ns' ? `${plainNumber(threshold.ns)}ns` : `${plainNumber(threshold.share * 100)}%`),
  check(value, label) {
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return { kind: 'ns', ns: value };
    const threshold = value as Partial<{ kind: unknown; ns: unknown; share: unknown }> | null;
    if (typeof threshold === 'object' && threshold !== null) {
      const { kind, ns, share } = threshold;
      if (kind === 'ns' && typeof ns === 'number' && Number.isFinite(ns) && ns >= 0) return { kind, ns };
      if (kind === 'share' && typeof share === 'number' && share >= 0 && share <= 1) return { kind, share };
    }
    throw settingError(label, MIN_DURATION_EXPECTED, value);
  },
};

/** Digits only, never `1e-7`: the threshold's text form has no exponent. 15 digits drop float noise (7.000000000000001). */
function plainNumber(value: number): string {
  const rounded = Number(value.toPrecision(15));
  return String(rounded).includes('e') ? rounded.toFixed(20).replace(/\.?0+$/, '') : String(rounded);
}

/** Stages, comma-separated as text (`load,preprocess`). */
export const stageListType: ValueType<Stage[]> = {
  expected: `stages (${STAGES.join(', ')})`,
  parse(text, label) {
    const names = text
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    return names.map((name) => checkStage(name, label));
  },
  format: (stages) => stages.join(','),
  check(value, label) {
    if (!Array.isArray(value)) throw settingError(label, `a list of stages (${STAGES.join(', ')})`, value);
    return value.map((entry: unknown, index) => checkStage(entry, `${label}[${index}]`));
  },
};

function checkStage(value: unknown, label: string): Stage {
  if (!isStage(value)) throw optionError(`${label}: unknown stage ${JSON.stringify(value)} (stages: ${STAGES.join(', ')})`);
  return value;
}

/**
 * Probes: built-in names, comma-separated as text; names and probe objects in
 * the API. Objects cannot be text: they stay in the process that made them.
 */
export const probeListType: ValueType<ReadonlyArray<ProbeSpec | SpanProbe>> = {
  expected: `probe names (${[...PROBE_NAMES, 'all'].join(', ')}) or probe objects`,
  parse: (text, label) => parseProbeList(text, label),
  format: (probes) => probes.flatMap((probe) => (typeof probe === 'string' ? [probe] : [])).join(','),
  check(value, label) {
    if (!Array.isArray(value)) throw settingError(label, 'a list of probes', value);
    value.forEach((probe: unknown, index) => {
      if (typeof probe === 'string' && probe !== 'all' && !isProbeName(probe)) throw unknownProbeError(`${label}[${index}]`, probe);
    });
    // Probe objects are checked (start/end, or start/stop/series) where they are resolved.
    return value as ReadonlyArray<ProbeSpec | SpanProbe>;
  },
};

/**
 * Whether to call the script's exported `main(argv)` once its top level ran.
 * `'auto'`: only when it is certain the script does not call it itself
 * (driver/main-export.ts says why calling it twice is never acceptable).
 */
export type { CallMainMode };

const CALL_MAIN_EXPECTED = '1 or true (call it), 0 or false (never), or auto (only when the script certainly does not call it)';

export const callMainType: ValueType<CallMainMode> = {
  expected: CALL_MAIN_EXPECTED,
  parse(text, label) {
    if (text === 'auto') return 'auto';
    const on = switchText(text);
    if (on === undefined) throw settingError(label, CALL_MAIN_EXPECTED, text);
    return on;
  },
  format: (mode) => (mode === 'auto' ? 'auto' : mode ? '1' : '0'),
  check(value, label) {
    if (typeof value !== 'boolean' && value !== 'auto') throw settingError(label, CALL_MAIN_EXPECTED, value);
    return value;
  },
};
