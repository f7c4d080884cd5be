import type { SpanProbe } from '../../core/probe.js';
import type { TargetSpec } from '../../instrument/target.js';
import type { ProbeSpec } from '../../probes/registry.js';
import type { DotOptions } from '../../render/call-graph/dot.js';
import type { MinDuration } from '../../render/min-duration.js';
import type { ModelStageSpec } from '../../instrument/model-rules.js';

/**
 * The options every preset class takes. Declared here, beside the option
 * table (run-options.ts) that gives the CLI flag, environment variable,
 * check and default of each field that has them; fields without are listed in
 * preset-fields.ts. A field added here without either fails the build.
 */
export interface PresetOptions {
  /**
   * More targets: target file paths (JSON, YAML, CSV) and/or target objects.
   * Added to the preset's built-in list unless `builtInTargets` is false.
   */
  targets?: ReadonlyArray<string | TargetSpec>;
  /**
   * Which stage a model plays, by a glob on its file name, for models the built-in
   * guesses do not know; checked in order before them, at session creation / model
   * load (ONNX Runtime and tfjs). Target files can carry the same rules in a
   * `models:` section (those come after these). Default none.
   *
   * @example
   * new OnnxLatency({ models: [{ match: 'plate-detector*.onnx', stage: 'detection' }] })
   */
  models?: ReadonlyArray<ModelStageSpec>;
  /** Include the preset's built-in targets (`presets/<name>.yaml`). Default true. */
  builtInTargets?: boolean;
  /** Write the run document (`stagescope.run/1`) here when the run ends. */
  json?: string;
  /** Do not print the tree. Warnings are still printed. Default false. */
  quiet?: boolean;
  /** Where the tree and warnings go. Default process.stderr (the script's stdout stays its own). */
  output?: { write(text: string): unknown };
  /** Spans kept in memory (ring buffer). Default 100 000. */
  maxSpans?: number;
  /**
   * Probes: built-in names (`'memory' | 'cpu' | 'disk' | 'network' | 'eventloop' | 'gc' | 'system'`,
   * or `'all'`) and/or your own `SpanProbe` / `BackgroundSampler` objects. Their values go
   * into span metrics and `samples`, and next to each node of the tree. Default none.
   * An unknown name throws, naming this option and the known names.
   */
  probes?: ReadonlyArray<ProbeSpec | SpanProbe>;
  /** Tree depth shown. Default all. */
  treeDepth?: number;
  /** Write the call-graph SVG here when the run ends (Graphviz wasm, loaded after the run so it costs the run nothing). */
  svg?: string;
  /** Write the Gantt chart SVG here when the run ends. */
  gantt?: string;
  /** Write a Chrome/Perfetto trace JSON here when the run ends. */
  trace?: string;
  /**
   * Hide spans shorter than this in the printed tree, the call graph and the
   * Gantt chart (each parent's line counts what was folded into it); the run
   * document and the trace keep everything. A duration in ns, or a threshold
   * such as `parseMinDuration('5%')` (a share of the run). Default none.
   */
  minDuration?: number | MinDuration;
  /** How the call graph is drawn (node cap, which node is highlighted). Default: the renderer's defaults. */
  callGraph?: DotOptions;
  /**
   * Also write the run document here, silently (no message): the `stagescope
   * run` CLI reads it to draw, in its own process, the pictures the traced
   * process could not (it may exit before Graphviz loads). Internal; default none.
   */
  handoffJson?: string;
  /** Fold 3+ same-named siblings into one line in the printed tree (`rec × 37, total …`). Default false. */
  compact?: boolean;
  /**
   * Overhead budget per target, in percent of the work its spans measure: a target
   * whose wrappers cost more (a tiny hot function) is sampled or disabled by itself,
   * and the run document's `adaptive` list (and a tree line) says so. Default 1;
   * `Infinity` turns it off.
   */
  maxOverheadPct?: number;
}
