import type { Attributes, Stage } from '../../core/types.js';
import { hookState } from '../../instrument/hook-registry.js';
import type { OnnxProfiler } from './onnx-profiler.js';

/**
 * What the onnxruntime hooks of one preset know (`call.scope.state(ONNX_STATE)`):
 * its sessions, and the op profiler while the preset's op drill-down runs. Its
 * own module so the drill-down (onnx-ops.ts) sets the profiler without loading
 * the hooks, and the hooks read it without loading the profiler.
 */
export interface OnnxHookState {
  /** Sessions created under this preset's tracing, by session object. */
  readonly sessions: WeakMap<object, SessionInfo>;
  /** Profile prefix of a create call whose options were given profiling, by span. */
  readonly profiledCreates: WeakMap<object, string>;
  /** Method name of a session-method call (the span name is relabelled with the model), by span. */
  readonly methodOfCall: WeakMap<object, string>;
  /** Set while the preset runs with op-level drill-down (option `ops`); null otherwise. */
  profiler: OnnxProfiler | null;
}

/** What stagescope knows about an onnxruntime session. */
export interface SessionInfo {
  label: string;
  path: string | null;
  stage: Stage | null;
  /** Span names per method (`InferenceSession.run <label>`), made once per session, not per call. */
  names: Map<string, string>;
  /** The last feeds/results seen and their description: a loop runs the same shapes. */
  feeds: TensorShapes;
  results: TensorShapes;
  /** What every `run` span of the session gets while its shapes repeat. */
  run: RunLabel;
}

/**
 * A session's `run` spans: the name and its recorder id, made once, and the
 * attributes of the last shapes seen, shared by every span with those shapes
 * (`shareAttributes`: Span.setAttribute copies before a change). A loop's run
 * then allocates nothing for its labels and takes no property transitions: in
 * the paired cls loop the hooks' bodies were about 10 µs of a call's 25 µs
 * added (Node 24), most of it on caches the model had just used.
 */
export interface RunLabel {
  name: string;
  nameId: number;
  /** model, modelStage, feeds: set at the start, while `startFeeds` is the feeds' description. */
  start: Attributes | null;
  startFeeds: string | undefined;
  /** `start` and results: set at the end, while `start` and `fullResults` are the same. */
  full: Attributes | null;
  fullOf: Attributes | null;
  fullResults: string | undefined;
}

/** Tensor names, types and dims of one call, and their text, reused while they repeat. */
export interface TensorShapes {
  key: unknown[];
  text: string | undefined;
}

export const ONNX_STATE = hookState<OnnxHookState>('onnx', () => ({
  sessions: new WeakMap(),
  profiledCreates: new WeakMap(),
  methodOfCall: new WeakMap(),
  profiler: null,
}));
