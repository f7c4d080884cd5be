import { writeStderr } from '../../core/stderr.js';
import type { SpanProbe } from '../../core/probe.js';
import type { OutputPaths } from '../../render/write-outputs.js';
import type { ProbeSpec } from '../../probes/registry.js';
import type { DotOptions } from '../../render/call-graph/dot.js';
import type { MinDuration } from '../../render/min-duration.js';
import { settingFromEnv } from './env-codec.js';
import type { OptionRow, ValueOf } from './option-row.js';
import type { PresetOptions } from './preset-options.js';
import { optionRows, RUN_OPTIONS, type RunSettings } from './run-options.js';

/*
 * Settings as API options: the table's rows placed into `PresetOptions` (and
 * the preset classes' own switches), the API-only fields, which fields workers
 * and child processes get, and the options checked and completed once.
 */

type Rows = typeof RUN_OPTIONS;
/** The API fields the table's rows of scope `S` fill. */
type FieldsIn<S> = { [K in keyof Rows]: Rows[K] extends { scope: S; field: infer F extends string } ? F : never }[keyof Rows];

/**
 * `PresetOptions` fields with no flag or environment variable (objects,
 * callbacks, choices only a program makes), and whether workers and child
 * processes get them. A `PresetOptions` field in neither the table nor this
 * list does not compile.
 */
export const API_ONLY_FIELDS = {
  builtInTargets: 'passed',
  // Model rules are data ({ match, stage }): a worker's sessions get the run's stages (reach/link.ts).
  models: 'passed',
  output: 'kept',
  treeDepth: 'kept',
  callGraph: 'kept',
} as const satisfies Record<Exclude<keyof PresetOptions, FieldsIn<'preset'>>, OptionRow<unknown>['reach']>;

/** The preset classes' own switches that the table sets (`ops`, `kernels`), typed from their rows. */
export type PresetSwitches = {
  [K in keyof Rows as Rows[K] extends { scope: 'onnx' | 'tfjs'; field: infer F extends string } ? F : never]?: ValueOf<Rows[K]>;
};

/** Label of an API field in messages: `option maxSpans`, `option callGraph.maxNodes`. */
export function apiLabel(row: OptionRow<unknown>): string {
  return `option ${row.scope === 'callGraph' ? 'callGraph.' : ''}${row.field ?? '?'}`;
}

/**
 * The preset options these settings make: `PresetOptions` fields, call-graph
 * fields under `callGraph`, and the preset classes' own switches (`ops`,
 * `kernels`: a preset without them ignores them). Settings of the script
 * (`callMain`) and of the CLI (`preset`, `html`, `nodeArgs`) are not options.
 */
export function toPresetOptions(settings: RunSettings): PresetOptions & PresetSwitches {
  const options: Record<string, unknown> = {};
  const callGraph: Record<string, unknown> = {};
  const values = settings as Record<string, unknown>;
  for (const [key, row] of optionRows()) {
    const value = values[key];
    if (value === undefined || row.field === null) continue;
    if (row.scope === 'callGraph') callGraph[row.field] = value;
    else if (row.scope === 'preset' || row.scope === 'onnx' || row.scope === 'tfjs') options[row.field] = value;
  }
  if (Object.keys(callGraph).length > 0) options.callGraph = callGraph;
  return options as PresetOptions & PresetSwitches;
}

/** Option fields only the run's own process uses (files it writes, what it prints): never handed to workers and children. */
export function keptPresetFields(): string[] {
  const kept = optionRows()
    .filter(([, row]) => row.scope === 'preset' && row.reach === 'kept')
    .map(([, row]) => row.field!);
  for (const [field, reach] of Object.entries(API_ONLY_FIELDS)) if (reach === 'kept') kept.push(field);
  return kept;
}

/** Preset options resolved once at construction (tinybench style): every option checked, every default filled in. */
export interface ResolvedPresetOptions {
  builtInTargets: boolean;
  json: string | undefined;
  quiet: boolean;
  output: { write(text: string): unknown };
  treeDepth: number | undefined;
  outputs: OutputPaths;
  callGraph: DotOptions;
  minDuration: MinDuration | undefined;
  handoffJson: string | undefined;
  compact: boolean;
  maxSpans: number;
  maxOverheadPct: number;
  probes: ReadonlyArray<ProbeSpec | SpanProbe>;
}

/**
 * The default output, stderr, not read at start-up: Node makes `process.stderr`
 * when it is first read, which took about 2 ms when stderr is a pipe (it loads
 * net and the stream classes), and a quiet run never writes (core/stderr.ts).
 */
const lazyStderr = { write: writeStderr };

/**
 * Check and complete a preset's options; a bad value throws the same message
 * its flag and env var get, naming the option (`option maxSpans must be …`).
 * Targets and model rules are checked where they are loaded (file and line).
 */
export function resolvePresetOptions(options: PresetOptions): ResolvedPresetOptions {
  const rows = RUN_OPTIONS;
  // The table's call-graph fields are checked; the renderer's other options (minShare …) by the renderer.
  const callGraph: Record<string, unknown> = { ...options.callGraph };
  for (const [, row] of optionRows()) {
    if (row.scope === 'callGraph' && row.field !== null && callGraph[row.field] !== undefined) callGraph[row.field] = checked(row, callGraph[row.field]);
  }
  return {
    builtInTargets: options.builtInTargets ?? true,
    json: checked(rows.json, options.json),
    quiet: checked(rows.quiet, options.quiet) ?? rows.quiet.defaultValue,
    output: options.output ?? lazyStderr,
    treeDepth: options.treeDepth,
    outputs: { svg: checked(rows.svg, options.svg), gantt: checked(rows.gantt, options.gantt), trace: checked(rows.trace, options.trace) },
    callGraph: callGraph as DotOptions,
    minDuration: checked(rows.minDuration, options.minDuration),
    handoffJson: checked(rows.handoffJson, options.handoffJson),
    compact: checked(rows.compact, options.compact) ?? rows.compact.defaultValue,
    maxSpans: checked(rows.maxSpans, options.maxSpans) ?? rows.maxSpans.defaultValue,
    maxOverheadPct: checked(rows.maxOverheadPct, options.maxOverheadPct) ?? rows.maxOverheadPct.defaultValue,
    probes: checked(rows.probes, options.probes) ?? [],
  };
}

/** An API value checked by its row (undefined stays undefined). */
export function checked<T>(row: OptionRow<T>, value: unknown): T | undefined {
  return value === undefined ? undefined : row.type.check(value, apiLabel(row));
}

/**
 * A preset class's own switch (`ops`, `kernels`): the option if given, else
 * the environment's (a preset made by a driver script inside `stagescope run
 * --onnx-ops` or under `STAGESCOPE_ONNX_OPS=1`), else the default.
 */
export function switchOrEnv(row: OptionRow<boolean> & { defaultValue: boolean }, value: unknown): boolean {
  return checked(row, value) ?? settingFromEnv(row) ?? row.defaultValue;
}
