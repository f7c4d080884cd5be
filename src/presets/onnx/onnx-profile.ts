import { StagescopeError } from '../../core/errors.js';

/**
 * onnxruntime's profiler output, parsed. With `enableProfiling` a session writes
 * a Chrome-trace JSON array when profiling ends. Times are integers in µs,
 * relative to the moment the session started profiling (inside
 * `InferenceSession.create`). The events that matter:
 *
 *   cat "Session", name "model_run"                    one per `session.run()`
 *   cat "Session", name "SequentialExecutor::Execute"  the graph execution inside it
 *   cat "Node",    name "<node name>_kernel_time"      one per node executed, with
 *                  args.op_name, args.provider, args.input_type_shape, …
 *
 * (`model_loading_uri` and `session_initialization` describe the create.) Pure:
 * text in, data out.
 */

/** One node (kernel) execution. */
export interface ProfileKernel {
  /** Node name in the (optimised) graph, e.g. `conv2d_59.tmp_0_nchwc`. */
  node: string;
  /** ONNX op type, e.g. `Conv` (contrib ops too: `FusedConv`, `ReorderInput`). */
  opType: string;
  startUs: number;
  durationUs: number;
  /** Execution provider, e.g. `CPUExecutionProvider`. */
  provider: string | null;
  /** `float[1x3x48x192] float[16x3x3x3]` */
  inputShapes: string | null;
  outputShapes: string | null;
}

/** One `session.run()` as the profiler saw it, with the kernels it executed. */
export interface ProfileRun {
  startUs: number;
  durationUs: number;
  kernels: ProfileKernel[];
}

interface TraceEvent {
  cat?: unknown;
  name?: unknown;
  ts?: unknown;
  dur?: unknown;
  args?: unknown;
}

const KERNEL_SUFFIX = '_kernel_time';
/** What marks a run: `model_run` wraps the whole run; older builds only have the executor's event. */
const RUN_EVENTS = ['model_run', 'SequentialExecutor::Execute', 'ParallelExecutor::Execute'];

/** onnxruntime's profile is not what was expected (code `SS_ERR_ONNX_PROFILE_INVALID`). */
export class OnnxProfileError extends StagescopeError {
  override readonly name = 'OnnxProfileError';
  constructor(message: string, options?: ErrorOptions) {
    super('SS_ERR_ONNX_PROFILE_INVALID', message, options);
  }
}

/** `[{"float":[1,3,48,192]},{"int64":[4]}]` → `float[1x3x48x192] int64[4]`. */
export function formatTypeShapes(value: unknown): string | null {
  if (!Array.isArray(value)) return null;
  const parts: string[] = [];
  for (const entry of value) {
    if (typeof entry !== 'object' || entry === null) continue;
    for (const [type, dims] of Object.entries(entry as Record<string, unknown>)) {
      parts.push(`${type}[${Array.isArray(dims) ? dims.join('x') : ''}]`);
    }
  }
  return parts.join(' ');
}

function isTimed(event: TraceEvent): event is TraceEvent & { ts: number; dur: number; name: string } {
  return typeof event.ts === 'number' && typeof event.dur === 'number' && typeof event.name === 'string';
}

/**
 * Parse a profile file's text into runs, in time order, each with the kernels
 * that started inside it (in time order). Throws OnnxProfileError if the text
 * is not a Chrome-trace event array.
 */
export function parseOnnxProfile(text: string): ProfileRun[] {
  let events: unknown;
  try {
    events = JSON.parse(text);
  } catch (error) {
    throw new OnnxProfileError(`not JSON: ${String(error)}`);
  }
  if (!Array.isArray(events)) throw new OnnxProfileError('expected a JSON array of trace events');
  const timed = (events as TraceEvent[]).filter((event) => typeof event === 'object' && event !== null && isTimed(event)) as Array<
    TraceEvent & { ts: number; dur: number; name: string }
  >;

  const marker = RUN_EVENTS.find((name) => timed.some((event) => event.cat === 'Session' && event.name === name));
  const runs: ProfileRun[] = timed
    .filter((event) => event.cat === 'Session' && event.name === marker)
    .sort((a, b) => a.ts - b.ts)
    .map((event) => ({ startUs: event.ts, durationUs: event.dur, kernels: [] }));

  const kernels = timed.filter((event) => event.cat === 'Node' && event.name.endsWith(KERNEL_SUFFIX)).sort((a, b) => a.ts - b.ts);
  let runIndex = 0;
  for (const event of kernels) {
    while (runIndex < runs.length && event.ts > runs[runIndex]!.startUs + runs[runIndex]!.durationUs) runIndex++;
    const run = runs[runIndex];
    if (run === undefined) break;
    if (event.ts < run.startUs) continue; // not inside any run (should not happen)
    const args = (typeof event.args === 'object' && event.args !== null ? event.args : {}) as Record<string, unknown>;
    run.kernels.push({
      node: event.name.slice(0, -KERNEL_SUFFIX.length),
      opType: typeof args.op_name === 'string' ? args.op_name : '?',
      startUs: event.ts,
      durationUs: event.dur,
      provider: typeof args.provider === 'string' ? args.provider : null,
      inputShapes: formatTypeShapes(args.input_type_shape),
      outputShapes: formatTypeShapes(args.output_type_shape),
    });
  }
  return runs;
}
