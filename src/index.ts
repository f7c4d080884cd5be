/**
 * stagescope: stage trees, call graphs and comparisons for ML inference
 * pipelines on Node.js, without editing them.
 *
 * @example
 * import { OnnxLatency } from 'stagescope';
 * await new OnnxLatency().run('./my-classifier.mjs');
 */
export { nowNs, nsToMs, nsToUs, nsToWallMs } from './core/clock.js';
export { currentSpan, suppressTracing } from './core/context.js';
export { diagnosticChannel, type Diagnostic } from './core/diagnostics.js';
export type { SpanProbe } from './core/probe.js';
export { Recorder, DEFAULT_MAX_SPANS, type RecorderOptions } from './core/recorder.js';
export { assertRunDocument, buildRunDocument, RUN_FORMAT, type RunDocument, type SampleSeries } from './core/run-document.js';
export { Span, Trace } from './core/span.js';
export { Tracer, type StartSpanOptions, type TracerOptions } from './core/tracer.js';
export { STAGES, type Stage, type SpanRecord, type SpanStatus, type SpanError, type Attributes, type Metrics } from './core/types.js';

export { Instrumenter, type InstrumenterOptions } from './instrument/instrumenter.js';
export { registerTargetHook } from './instrument/hook-registry.js';
export { loadTargetFile, parseTargetFile, type TargetFile } from './instrument/target-file.js';
export { resolveTarget, TargetError, type ResolvedTarget, type TargetSpec } from './instrument/target.js';
export { isWrapped, originalOf, wrapFunction, type CallContext, type CallEndContext, type TargetHook, type WrapSpec } from './instrument/wrap.js';

export { renderTextTree, type TextTreeOptions } from './render/text-tree.js';
export { formatDurationNs, formatBytes } from './render/format.js';

export {
  compareBenchVariants,
  compareRuns,
  DEFAULT_COMPARE_OPTIONS,
  type Comparable,
  type Comparison,
  type ComparisonRow,
  type ComparisonSide,
  type CompareOptions,
  type NoiseMethod,
  type Verdict,
} from './compare/compare-runs.js';
export { renderComparisonTable, type ComparisonTableOptions } from './compare/comparison-table.js';
export { renderComparisonMarkdown } from './compare/comparison-markdown.js';
export { renderComparisonSvg, type ComparisonSvgOptions } from './compare/comparison-svg.js';
export { readComparableFile, type ComparableFile } from './compare/read-comparable.js';
export { measureRun, type Measure } from './compare/stage-paths.js';
export { mannWhitneyU, summarizeSamples, type MannWhitneyResult, type SampleSummary } from './compare/stats.js';
export { benchScript, BenchRunError, type BenchOptions, type BenchVariantSpec } from './bench/bench-script.js';
export { assertBenchDocument, BENCH_FORMAT, summarizeRuns, type BenchDocument, type BenchRow, type BenchVariant } from './bench/bench-document.js';
export { renderBenchTable } from './bench/bench-table.js';

export { Preset, type PresetOptions } from './presets/preset.js';
export { OcrLatency } from './presets/ocr-latency.js';
export { OnnxLatency } from './presets/onnx-latency.js';
export { SharpLatency } from './presets/sharp-latency.js';
export { TfjsLatency, type TfjsLatencyOptions } from './presets/tfjs-latency.js';
export { createPreset, presetNames, registerPreset, UnknownPresetError } from './presets/registry.js';
export { stageFromModelName } from './presets/model-stage.js';

export { ServeScope, serve } from './serve/serve-scope.js';
export type { ServeOptions, PageOptions } from './serve/options.js';
export { RequestTreeStore, type RequestStoreOptions, type RouteSummary, type StagePercentiles } from './serve/store.js';
export { OverheadBudget, type OverheadBudgetOptions } from './serve/overhead-budget.js';
export { requestToRunDocument } from './serve/request-document.js';
export type { AdaptiveEvent } from './core/run-document.js';
export type {
  FinishedRequest,
  RemoteParent,
  RequestEventSource,
  RequestFinishedListener,
  TraceContextPropagator,
} from './serve/request-events.js';
