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
export { span, type ManualSpanOptions } from './api/span.js';
export { traced, tracedOriginal, type TracedOptions } from './api/traced.js';
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
export { probeAnnotation } from './render/probe-annotation.js';
export { aggregateCallGraph, type CallGraph, type CallGraphEdge, type CallGraphNode, type CallGraphOptions } from './render/call-graph/aggregate.js';
export { renderDot, type DotOptions } from './render/call-graph/dot.js';
export { dotToSvg, loadGraphviz, renderCallGraphSvg, renderCallGraphSvgSync } from './render/call-graph/svg.js';
export { assignLanes, renderGantt, type GanttOptions } from './render/gantt.js';
export { assignTracks, renderChromeTrace, renderChromeTraceJson, type ChromeTrace, type ChromeTraceEvent } from './render/chrome-trace.js';
export { heatColor, STAGE_COLORS, stageColor, type StageKey } from './render/palette.js';
export { stageTotals, type StageTotal } from './render/stage-totals.js';
export { writeOutputs, writeOutputsSync, type OutputPaths, type OutputResult } from './io/write-outputs.js';

export { MemoryProbe, type MemoryProbeOptions } from './probes/memory-probe.js';
export { CpuProbe, type CpuProbeOptions } from './probes/cpu-probe.js';
export { DiskProbe } from './probes/disk-probe.js';
export { NetworkProbe } from './probes/network-probe.js';
export { EventLoopProbe } from './probes/event-loop-probe.js';
export { EventLoopDelaySampler, type EventLoopDelaySamplerOptions } from './probes/event-loop-delay-sampler.js';
export { GcProbe, type GcProbeOptions } from './probes/gc-probe.js';
export { SystemSampler, type SystemSamplerOptions } from './probes/system-sampler.js';
export type { BackgroundSampler } from './probes/background-sampler.js';
export { PROBE_NAMES, PROBE_DESCRIPTIONS, resolveProbes, parseProbeList, UnknownProbeError, type ProbeName, type ProbeSpec } from './probes/registry.js';

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
export { OcrLatency, type OcrLatencyOptions } from './presets/ocr-latency.js';
export { attachOnnxOps, type OnnxOpsOptions } from './presets/onnx-ops.js';
export { OnnxLatency, type OnnxLatencyOptions } from './presets/onnx-latency.js';
export { SharpLatency } from './presets/sharp-latency.js';
export { TfjsLatency, type TfjsLatencyOptions } from './presets/tfjs-latency.js';
export { createPreset, presetNames, registerPreset, UnknownPresetError } from './presets/registry.js';
export { stageFromModelName } from './presets/model-stage.js';
export { globToRegExp, resolveModelRule, resolveModelStage, type ModelStageRule, type ModelStageSpec } from './presets/model-rules.js';

export { ServeScope, serve } from './serve/serve-scope.js';
export type { ServeOptions, PageOptions } from './serve/options.js';
export { RequestTreeStore, type RequestStoreOptions, type RouteSummary, type StagePercentiles } from './serve/store.js';
export { OverheadBudget, type OverheadBudgetOptions } from './instrument/overhead-budget.js';
export { requestToRunDocument } from './serve/request-document.js';
export type { AdaptiveEvent, ReachSource } from './core/run-document.js';
export type { FinishedRequest, RemoteParent, RequestEventSource, RequestFinishedListener, TraceContextPropagator } from './serve/request-events.js';

// Exporters live in the `stagescope/export` subpath (they load prom-client, pino and
// the OpenTelemetry SDK); only the light W3C trace-context helpers are here.
export { extractTraceparent, formatTraceparent, W3CTraceContextPropagator, type TraceparentContext } from './export/traceparent.js';
export { toOtelSpanId } from './export/span-ids.js';
