import type { OptionRow, ValueOf } from './option-row.js';
import type { PresetOptions } from './preset-options.js';
import { optionRows, type RUN_OPTIONS, type RunSettings } from './run-options.js';

/**
 * Settings as API options: the table's rows placed into `PresetOptions` (and
 * the preset classes' own switches), the API-only fields, and which fields
 * workers and child processes get.
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
  // Model rules are data, but workers and children get only the target files' own rules today.
  models: 'kept',
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
