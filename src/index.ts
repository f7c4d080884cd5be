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

export { Preset, type PresetOptions } from './presets/preset.js';
export { OnnxLatency } from './presets/onnx-latency.js';
export { createPreset, presetNames, registerPreset, UnknownPresetError } from './presets/registry.js';
export { stageFromModelName } from './presets/model-stage.js';
