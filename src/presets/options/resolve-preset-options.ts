import type { SpanProbe } from '../../core/probe.js';
import type { OutputPaths } from '../../io/write-outputs.js';
import type { ProbeSpec } from '../../probes/registry.js';
import type { DotOptions } from '../../render/call-graph/dot.js';
import type { MinDuration } from '../../render/min-duration.js';
import { settingFromEnv } from './env-codec.js';
import type { OptionRow } from './option-row.js';
import { apiLabel } from './preset-fields.js';
import type { PresetOptions } from './preset-options.js';
import { optionRows, RUN_OPTIONS } from './run-options.js';

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
    output: options.output ?? process.stderr,
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
