import type { ValueType } from './value-types.js';

/**
 * Where a setting lives in the API:
 * - `preset`: a `PresetOptions` field (every preset class takes it);
 * - `callGraph`: a field of `PresetOptions.callGraph`;
 * - `onnx`: an `OnnxOpsOptions` field (OnnxLatency, OcrLatency);
 * - `tfjs`: a `TfjsLatencyOptions` field;
 * - `script`: a `RunScriptOptions` field (`preset.run(script, args, options)`);
 * - `run`: no API field: how the CLI starts the traced process (preset name,
 *   node's own arguments, files the CLI draws itself).
 */
export type OptionScope = 'preset' | 'callGraph' | 'onnx' | 'tfjs' | 'script' | 'run';

/** A setting's flag on the command line. */
export interface CliFlag {
  /** `--max-overhead-pct` */
  readonly name: `--${string}`;
  /** The placeholder in `--help` (`P`, `FILE`); none for a switch (`--quiet`), which means the text `1`. */
  readonly value?: string;
  /** May be given several times (`--targets a --targets b`); the type must be a list. */
  readonly repeatable?: true;
}

/**
 * One row of the option table: everything about a setting in one place. The
 * CLI's flags and `--help`, the environment a traced process reads, the API's
 * defaults and checks, and what workers and children get are derived from it.
 */
export interface OptionRow<T> {
  readonly scope: OptionScope;
  /** The API field within `scope` (`maxOverheadPct`; `ops` for OnnxLatency); null in scope `run`. */
  readonly field: string | null;
  readonly type: ValueType<T>;
  readonly flag?: CliFlag;
  /** The environment variable `node --import stagescope/register…` reads it from. */
  readonly env?: `STAGESCOPE_${string}`;
  /** One line for `--help` and docs (the default and "repeatable" are added). */
  readonly help: string;
  /** The API's default; `--help` shows it for flags that take a value. None: off, or nothing written. */
  readonly defaultValue?: T;
  /**
   * `passed`: workers and child processes of the run get it too (reach/link.ts);
   * `kept`: only the run's own process uses it (files it writes, what it prints).
   */
  readonly reach: 'passed' | 'kept';
  /** Set by stagescope for itself (the CLI's hand-over file): not in `--help` or the docs. */
  readonly internal?: true;
  /** A good value: the round-trip test encodes and decodes it through every way in. */
  readonly example: T;
}

/** A row's value type. */
export type ValueOf<R> = R extends { readonly type: ValueType<infer T> } ? T : never;

/** A row with a default: `defaultValue` is then known to be there. */
export type DefaultedRow<T, S extends OptionScope, F extends string | null> = OptionRow<T> & { readonly scope: S; readonly field: F; readonly defaultValue: T };
export type PlainRow<T, S extends OptionScope, F extends string | null> = OptionRow<T> & { readonly scope: S; readonly field: F };
