/**
 * stagescope: stage trees, call graphs and comparisons for ML inference
 * pipelines on Node.js, without editing them.
 *
 * The root entry is what a driver script, a server or your own code needs:
 * the presets, manual spans, the run document, diagnostics and serving.
 * Renderers are in `stagescope/render`, comparison and benchmarking in
 * `stagescope/compare`, exporters in `stagescope/export` (docs/api.md).
 * `test/package-exports.test.ts` pins every name of every entry.
 *
 * @example
 * import { OnnxLatency } from 'stagescope';
 * await new OnnxLatency().run('./my-classifier.mjs');
 */

// Presets: the one-line drivers, their options, and named presets for the CLI and workers.
export { Preset, type PresetOptions } from './presets/preset.js';
export { OcrLatency, type OcrLatencyOptions } from './presets/ocr/ocr-latency.js';
export { OnnxLatency, type OnnxLatencyOptions } from './presets/onnx/onnx-latency.js';
export type { OnnxOpsOptions } from './presets/onnx/onnx-ops.js';
export { SharpLatency } from './presets/sharp/sharp-latency.js';
export { TfjsLatency, type TfjsLatencyOptions } from './presets/tfjs/tfjs-latency.js';
export { createPreset, presetNames, registerPreset, UnknownPresetError } from './presets/registry.js';
export type { RunScriptOptions } from './driver/run-script.js';

// What to trace and which stage a model plays (docs/target-files.md, docs/model-stages.md).
export { TargetError, type ResolvedTarget, type TargetSpec } from './instrument/target.js';
export { stageFromModelName } from './instrument/model-stage.js';
export type { ModelStageRule, ModelStageSpec } from './instrument/model-rules.js';
export { originalOf } from './instrument/wrap.js';

// Your own spans, the current span, and code that must not be traced (docs/manual-spans.md).
export { span, type ManualSpanOptions } from './api/span.js';
export { traced, tracedOriginal, type TracedOptions } from './api/traced.js';
export { currentSpan, suppressTracing } from './core/context.js';
export { nowNs } from './core/clock.js';
export type { Span, Trace } from './core/span.js';
export type { Tracer, StartSpanOptions } from './core/tracer.js';

// Probes (docs/probes.md): built-in names, two probes with options, and the interfaces of your own.
export { MemoryProbe, type MemoryProbeOptions } from './probes/memory-probe.js';
export { CpuProbe, type CpuProbeOptions } from './probes/cpu-probe.js';
export { UnknownProbeError, type ProbeName, type ProbeSpec } from './probes/registry.js';
export type { SpanProbe } from './core/probe.js';
export type { BackgroundSampler } from './probes/background-sampler.js';

// The run document (docs/run-document.md) and diagnostics (docs/diagnostics.md).
export { assertRunDocument, RUN_FORMAT, type AdaptiveEvent, type ReachSource, type RunDocument, type SampleSeries } from './core/run-document.js';
export { STAGES, type Attributes, type Metrics, type SpanError, type SpanRecord, type SpanStatus, type Stage } from './core/types.js';
export { diagnosticChannel, type Diagnostic } from './core/diagnostics.js';
export { StagescopeError } from './core/errors.js';
export type { DiagnosticCode, ErrorCode } from './core/codes.js';

// Serving (docs/serving.md). The exporters are in `stagescope/export`, which loads
// prom-client, pino and the OpenTelemetry SDK; the W3C propagator is light and
// is a serving option, so it is here too.
export { ServeScope, serve } from './serve/serve-scope.js';
export type { PageOptions, ServeOptions } from './serve/options.js';
export { RequestTreeStore, type RequestStoreOptions, type RouteSummary, type StagePercentiles } from './serve/store.js';
export { requestToRunDocument } from './serve/request-document.js';
export type { FinishedRequest, RemoteParent, RequestEventSource, RequestFinishedListener, TraceContextPropagator } from './core/request-events.js';
export type { OverheadBudget } from './instrument/overhead-budget.js';
export { W3CTraceContextPropagator } from './export/traceparent.js';
