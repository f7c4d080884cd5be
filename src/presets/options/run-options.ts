import path from 'node:path';
import { DEFAULT_MAX_SPANS } from '../../core/recorder-limits.js';
import { DEFAULT_MAX_OVERHEAD_PCT } from '../../instrument/overhead-pct.js';
import { DEFAULT_CALL_GRAPH_OPTIONS } from '../../render/call-graph/call-graph-defaults.js';
import type { DefaultedRow, OptionRow, OptionScope, PlainRow, ValueOf } from './option-row.js';
import {
  callMainType,
  fileType,
  integerType,
  listType,
  minDurationType,
  oneOfType,
  overheadPctType,
  probeListType,
  stageListType,
  switchType,
  textType,
} from './value-types.js';

/** `T` where TypeScript must not infer it from (TS 5.4 has a built-in `NoInfer`). */
type NotInferred<T> = [T][T extends unknown ? 0 : never];

/** A row as written: `T` comes from its value type alone, so `example: 'total'` cannot widen it to `string`. */
type RowInput<T, S extends OptionScope, F extends string | null> = Omit<OptionRow<T>, 'example' | 'defaultValue'> & {
  scope: S;
  field: F;
  example: NotInferred<T>;
  defaultValue?: NotInferred<T>;
};

/**
 * A table row, typed: `T` from the value type, scope and field kept as
 * literals (tests check each row against its API field's type), and
 * `defaultValue` known to be there when the row has one.
 */
function option<T, S extends OptionScope, F extends string | null>(row: RowInput<T, S, F> & { defaultValue: NotInferred<T> }): DefaultedRow<T, S, F>;
function option<T, S extends OptionScope, F extends string | null>(row: RowInput<T, S, F>): PlainRow<T, S, F>;
function option<T>(row: OptionRow<T>): OptionRow<T> {
  return row;
}

/**
 * THE option table: every setting of a traced run, once. From these rows come
 * the CLI's flags, their checks and `--help` (launch/option-args.ts), the
 * environment the CLI hands to the traced process and process mode reads back
 * (env-codec.ts), the API's defaults and checks, and which options workers and
 * child processes get (preset-fields.ts; reach/link.ts). test/run-options.test.ts sends every row's example through
 * flag → env → options and back, so a setting cannot be missing from one way.
 *
 * Why in presets/: the lowest floor that can import every parser it needs
 * (probes, render, instrument, core, all below it) and the highest that every
 * user can import downward (presets, driver, reach, register, cli above it).
 *
 * Few modules (option-row.ts and preset-options.ts are types only): every
 * traced process loads the table at start-up, and each module costs time there.
 *
 * Not here: `STAGESCOPE_PARENT_FD` and `STAGESCOPE_REACH` are the plumbing
 * between a run and its processes (driver/parent-link.ts, reach/link.ts), not
 * settings; API-only fields (objects, callbacks) are listed in preset-fields.ts.
 */
export const RUN_OPTIONS = {
  preset: option({
    scope: 'run',
    field: null,
    type: textType('a preset name'),
    flag: { name: '--preset', value: 'NAME' },
    env: 'STAGESCOPE_PRESET',
    help: 'preset to use ({presets})',
    defaultValue: 'custom',
    reach: 'kept',
    example: 'onnx',
  }),
  targets: option({
    scope: 'preset',
    field: 'targets',
    // The platform's path delimiter, as in PATH: a file name may contain commas.
    type: listType(fileType, path.delimiter, `target files separated by "${path.delimiter}"`),
    flag: { name: '--targets', value: 'FILE', repeatable: true },
    env: 'STAGESCOPE_TARGETS',
    help: 'extra targets (JSON, YAML or CSV)',
    reach: 'passed',
    example: ['/srv/app/targets.yaml', '/srv/app/more.csv'],
  }),
  json: option({
    scope: 'preset',
    field: 'json',
    type: fileType,
    flag: { name: '--json', value: 'FILE' },
    env: 'STAGESCOPE_JSON',
    help: 'write the run document (stagescope.run/1) to FILE',
    reach: 'kept',
    example: '/srv/app/run.json',
  }),
  quiet: option({
    scope: 'preset',
    field: 'quiet',
    type: switchType,
    flag: { name: '--quiet' },
    env: 'STAGESCOPE_QUIET',
    help: 'do not print the tree (warnings are still printed)',
    defaultValue: false,
    reach: 'kept',
    example: true,
  }),
  compact: option({
    scope: 'preset',
    field: 'compact',
    type: switchType,
    flag: { name: '--compact' },
    env: 'STAGESCOPE_COMPACT',
    help: 'fold 3+ same-named siblings into one line (rec × 37, total, p50, max)',
    defaultValue: false,
    reach: 'kept',
    example: true,
  }),
  svg: option({
    scope: 'preset',
    field: 'svg',
    type: fileType,
    flag: { name: '--svg', value: 'FILE' },
    env: 'STAGESCOPE_SVG',
    help: 'write the call graph (SVG, slowest node highlighted) to FILE',
    reach: 'kept',
    example: '/srv/app/callgraph.svg',
  }),
  gantt: option({
    scope: 'preset',
    field: 'gantt',
    type: fileType,
    flag: { name: '--gantt', value: 'FILE' },
    env: 'STAGESCOPE_GANTT',
    help: 'write a Gantt chart (SVG, one bar per span on a time axis) to FILE',
    reach: 'kept',
    example: '/srv/app/timeline.svg',
  }),
  trace: option({
    scope: 'preset',
    field: 'trace',
    type: fileType,
    flag: { name: '--trace', value: 'FILE' },
    env: 'STAGESCOPE_TRACE',
    help: 'write a Chrome/Perfetto trace (JSON; ui.perfetto.dev, speedscope) to FILE',
    reach: 'kept',
    example: '/srv/app/trace.json',
  }),
  html: option({
    // The CLI draws it from the run document, after the traced process ended.
    scope: 'run',
    field: null,
    type: fileType,
    flag: { name: '--html', value: 'FILE' },
    help: 'write one self-contained HTML report (tree, call graph, timeline) to FILE',
    reach: 'kept',
    example: '/srv/app/report.html',
  }),
  minDuration: option({
    scope: 'preset',
    field: 'minDuration',
    type: minDurationType,
    flag: { name: '--min-duration', value: 'T' },
    env: 'STAGESCOPE_MIN_DURATION',
    help: "hide spans shorter than T (1ms, 250us, 0.5s, or 5% of the run) in the tree and pictures; each parent's line counts what was folded",
    reach: 'kept',
    example: { kind: 'share', share: 0.05 },
  }),
  maxNodes: option({
    scope: 'callGraph',
    field: 'maxNodes',
    type: integerType(2, 'an integer ≥ 2 (call-graph nodes before small ones are merged)'),
    flag: { name: '--max-nodes', value: 'N' },
    env: 'STAGESCOPE_MAX_NODES',
    help: 'call graph: merge small call sites past N nodes',
    defaultValue: DEFAULT_CALL_GRAPH_OPTIONS.maxNodes,
    reach: 'kept',
    example: 200,
  }),
  highlight: option({
    scope: 'callGraph',
    field: 'highlight',
    type: oneOfType(['self', 'total'], '"self" (most time in the node itself) or "total" (most time with its children)'),
    flag: { name: '--highlight', value: 'self|total' },
    env: 'STAGESCOPE_HIGHLIGHT',
    help: 'call graph: highlight the node with the most self time, or the most total time (with its children)',
    defaultValue: DEFAULT_CALL_GRAPH_OPTIONS.highlight,
    reach: 'kept',
    example: 'total',
  }),
  highlightExclude: option({
    scope: 'callGraph',
    field: 'highlightExclude',
    type: stageListType,
    flag: { name: '--highlight-exclude', value: 'STAGES' },
    env: 'STAGESCOPE_HIGHLIGHT_EXCLUDE',
    help: 'call graph: never highlight these stages (comma-separated, e.g. load)',
    reach: 'kept',
    example: ['load', 'preprocess'],
  }),
  maxSpans: option({
    scope: 'preset',
    field: 'maxSpans',
    // Worded as the recorder words its own check (core/recorder.ts).
    type: integerType(1, 'a positive integer'),
    flag: { name: '--max-spans', value: 'N' },
    env: 'STAGESCOPE_MAX_SPANS',
    help: 'spans kept in memory (ring buffer)',
    defaultValue: DEFAULT_MAX_SPANS,
    reach: 'passed',
    example: 5000,
  }),
  onnxOps: option({
    scope: 'onnx',
    field: 'ops',
    type: switchType,
    flag: { name: '--onnx-ops' },
    env: 'STAGESCOPE_ONNX_OPS',
    help: "onnx and ocr presets: op-level drill-down with onnxruntime's profiler (kernels under each run)",
    defaultValue: false,
    reach: 'passed',
    example: true,
  }),
  tfjsKernels: option({
    scope: 'tfjs',
    field: 'kernels',
    type: switchType,
    flag: { name: '--tfjs-kernels' },
    env: 'STAGESCOPE_TFJS_KERNELS',
    help: "tfjs preset: kernel-level drill-down with tfjs's profiler (kernels under each model call)",
    defaultValue: false,
    reach: 'passed',
    example: true,
  }),
  probes: option({
    scope: 'preset',
    field: 'probes',
    type: probeListType,
    flag: { name: '--probes', value: 'LIST' },
    env: 'STAGESCOPE_PROBES',
    help: 'probes, comma-separated: memory,cpu,disk,network,eventloop,gc,system or all',
    reach: 'passed',
    example: ['memory', 'cpu'],
  }),
  maxOverheadPct: option({
    scope: 'preset',
    field: 'maxOverheadPct',
    type: overheadPctType,
    flag: { name: '--max-overhead-pct', value: 'P' },
    env: 'STAGESCOPE_MAX_OVERHEAD_PCT',
    help: 'overhead budget: sample or switch off targets whose wrappers cost more than P% of the work they measure ("off" disables the budget)',
    defaultValue: DEFAULT_MAX_OVERHEAD_PCT,
    reach: 'passed',
    example: Infinity,
  }),
  nodeArgs: option({
    scope: 'run',
    field: null,
    type: listType(textType('an argument for node'), ' ', 'arguments for node'),
    flag: { name: '--node-arg', value: 'ARG', repeatable: true },
    help: 'pass ARG to node (e.g. --node-arg=--max-old-space-size=4096)',
    reach: 'kept',
    example: ['--max-old-space-size=4096'],
  }),
  separateProcess: option({
    // `stagescope run` traces the script in its own process unless the run
    // needs a second one: node arguments, or pictures the CLI draws after the
    // script's process has ended (launch/run-args.ts, needsChildProcess).
    scope: 'run',
    field: null,
    type: switchType,
    flag: { name: '--separate-process' },
    help: "run the script in a child node process instead of the CLI's own (implied by --node-arg, --svg and --html)",
    defaultValue: false,
    reach: 'kept',
    example: true,
  }),
  callMain: option({
    scope: 'script',
    field: 'callMain',
    type: callMainType,
    flag: { name: '--call-main' },
    env: 'STAGESCOPE_CALL_MAIN',
    help: "call the script's exported main(argv) after its top level ran (by default only when the script certainly does not start main itself)",
    defaultValue: 'auto',
    reach: 'kept',
    example: true,
  }),
  handoffJson: option({
    // `stagescope run` draws the call graph itself, from this copy of the run
    // document: the traced process may exit before Graphviz (async wasm) loads.
    scope: 'preset',
    field: 'handoffJson',
    type: fileType,
    env: 'STAGESCOPE_HANDOFF_JSON',
    help: "the CLI's copy of the run document",
    reach: 'kept',
    internal: true,
    example: '/tmp/stagescope-run-1/run.json',
  }),
};

export type RunOptionKey = keyof typeof RUN_OPTIONS;

/** Settings by row name, as the CLI and the environment give them: each one optional. */
export type RunSettings = { -readonly [K in RunOptionKey]?: ValueOf<(typeof RUN_OPTIONS)[K]> };

/** Every row with its name, in table order (the order of `--help`). */
export function optionRows(): Array<[RunOptionKey, OptionRow<unknown>]> {
  return Object.entries(RUN_OPTIONS) as Array<[RunOptionKey, OptionRow<unknown>]>;
}
