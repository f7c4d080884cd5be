import type { Stage } from '../../core/types.js';
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
