import { types } from 'node:util';
import { reportDiagnostic } from '../../core/diagnostics.js';
import type { Span, Trace } from '../../core/span.js';
import type { Tracer } from '../../core/tracer.js';
import { hookState, type HookScope } from '../../instrument/hook-registry.js';
import type { CallContext } from '../../instrument/wrap.js';
import { tfEngine, type TfKernelRecord } from './tfjs-engine.js';
import { aggregateKernelTypes, formatKernelTypes, layoutKernels, nestKernels, type KernelNode, type KernelTiming } from './tfjs-kernel-layout.js';

/**
 * Kernel-level drill-down for tfjs model calls (`TfjsLatency({ kernels: true })`).
 *
 * tfjs has ONE profiler for the whole process: `tf.profile(f)` sets
 * `engine.state.profiling`, points `engine.state.activeProfile.kernels` at a new
 * list, and while it is on the engine times every kernel with the backend's timer
 * and appends a record (name, input/output shapes, `kernelTimeMs` as a promise).
 * stagescope switches on exactly that mode around one model call, but does not
 * call `tf.profile` itself, for two reasons found in tfjs-core 4.22:
 *
 * - `tf.profile` closes its window one microtask after a synchronous `f` returns,
 *   so kernels the caller runs right after `predict` (argMax, a readback) would be
 *   counted as the model's, and its late `profiling = false` would cut short any
 *   profile the caller starts in between;
 * - if `f` throws, `tf.profile` leaves profiling switched on for good.
 *
 * So the window is opened and closed here, synchronously for synchronous calls,
 * and the list the caller may hold from an earlier `tf.profile` is put back.
 * Never nested: if any profile (the user's `tf.profile`, or an outer traced call)
 * is already on, the call runs unprofiled and its span says so.
 */

export interface KernelCaptureOptions {
  /** Child spans per call; kernels beyond it are counted in the aggregate only. Default 2000. */
  maxKernelSpansPerCall?: number;
}

interface Capture {
  tracer: Tracer;
  maxKernelSpansPerCall: number;
}

/** Traces with kernel capture on, per preset (`call.scope`): a preset's hooks never profile for another. */
const CAPTURES = hookState('tfjs-kernels', () => new WeakMap<Trace, Capture>());

/** Options of the tfjs kernel drill-down (`TfjsLatencyOptions`). */
export interface TfjsKernelsOptions {
  kernels?: boolean;
  maxKernelSpansPerCall?: number;
}

/** Kernel drill-down on for every tfjs model call of `trace` traced by `scope`'s hooks; kernels become spans of its tracer. */
export function startKernelCapture(scope: HookScope, trace: Trace, options: KernelCaptureOptions = {}): void {
  scope.state(CAPTURES).set(trace, { tracer: scope.tracer, maxKernelSpansPerCall: options.maxKernelSpansPerCall ?? 2000 });
}

/** Kernel drill-down off for `trace` (calls already profiled still get their children). */
export function stopKernelCapture(scope: HookScope, trace: Trace): void {
  scope.state(CAPTURES).delete(trace);
}

/** Told once per trace: a profile was already running. */
const toldNested = new WeakSet<Trace>();

/** The call's kernels and its end, whichever comes second lays out the children. */
interface Pending {
  capture: Capture;
  kernels: KernelTiming[] | undefined;
  records: TfKernelRecord[];
  /** Engine kernel depth when each record was added, relative to the call. */
  depths: number[];
  async: boolean;
}
const pending = new WeakMap<Span, Pending>();

/**
 * Run `invoke` (one model call, inside `call.span`'s context) with tfjs's profiling
 * mode on, when kernel capture is enabled for the span's trace. Returns exactly
 * what `invoke` returns, throws exactly what it throws.
 */
export function invokeWithKernels(call: CallContext, invoke: () => unknown): unknown {
  const span = call.span;
  const capture = call.scope.state(CAPTURES).get(span.trace);
  if (capture === undefined) return invoke();
  const state = tfEngine()?.state;
  const activeProfile = state?.activeProfile;
  if (state === undefined || activeProfile === undefined) {
    span.setAttribute('kernels', 'unavailable: the tfjs engine has no profiler state');
    return invoke();
  }
  if (state.profiling === true) {
    span.setAttribute('kernels', 'skipped: a tf.profile was already running (tfjs has one global profiler; stagescope never nests it)');
    if (!toldNested.has(span.trace)) {
      toldNested.add(span.trace);
      reportDiagnostic(
        'SS_TFJS_PROFILE_ACTIVE',
        `kernel drill-down skipped for "${span.name}": a tf.profile was already running; tfjs has one global profiler, so stagescope does not start another`,
      );
    }
    return invoke();
  }

  const previousKernels = activeProfile.kernels;
  const records: TfKernelRecord[] = [];
  const depths: number[] = [];
  // The engine appends a record when a kernel finishes, while its kernel depth
  // still counts the kernels around it: remember that depth to nest them later.
  const baseDepth = typeof state.kernelDepth === 'number' ? state.kernelDepth : 0;
  Object.defineProperty(records, 'push', {
    value(...items: TfKernelRecord[]): number {
      const depth = (typeof state.kernelDepth === 'number' ? state.kernelDepth : 0) - baseDepth;
      for (const item of items) {
        records[records.length] = item;
        depths.push(depth);
      }
      return records.length;
    },
    enumerable: false,
    configurable: true,
    writable: true,
  });
  activeProfile.kernels = records;
  state.profiling = true;
  const close = (): void => {
    // Only undo our own window: someone may have replaced it meanwhile (an async call).
    if (activeProfile.kernels === records) {
      state.profiling = false;
      activeProfile.kernels = previousKernels;
    }
  };

  let result: unknown;
  try {
    result = invoke();
  } catch (error) {
    close();
    span.setAttribute('kernels', 'none: the call threw');
    throw error;
  }
  const entry: Pending = { capture, kernels: undefined, records, depths, async: false };
  if (types.isPromise(result)) {
    entry.async = true;
    // Closed when the call settles; a separate handler, so no rejection is left unhandled
    // and the app's promise is returned untouched.
    (result as Promise<unknown>).then(
      () => {
        close();
        collect(span, entry);
      },
      () => {
        close();
        collect(span, entry);
      },
    );
  } else {
    close();
    collect(span, entry);
  }
  pending.set(span, entry);
  return result;
}

/** Resolve the kernels' times (promises until the backend's timer reports). */
function collect(span: Span, entry: Pending): void {
  const times = entry.records.map((record) => record.kernelTimeMs);
  Promise.all(times).then(
    (resolved) => {
      entry.kernels = entry.records.map((record, index) => ({
        name: String(record.name),
        kernelTimeMs: toMs(resolved[index]),
        depth: entry.depths[index] ?? 0,
      }));
      if (span.ended) addKernelSpans(span, entry);
    },
    (error: unknown) => {
      span.setAttribute('kernels', `unavailable: the backend's timer failed (${String(error)})`);
      pending.delete(span);
    },
  );
}

/** The traced call ended: lay out its kernels if they are already known. */
export function kernelCallEnded(span: Span): void {
  const entry = pending.get(span);
  if (entry?.kernels !== undefined) addKernelSpans(span, entry);
}

function toMs(value: unknown): number {
  // Backends report a number, or `{ error }` when they cannot time (webgl without the timer extension).
  return typeof value === 'number' ? value : Number.NaN;
}

function addKernelSpans(parent: Span, entry: Pending): void {
  if (pending.get(parent) !== entry) return; // already done
  pending.delete(parent);
  const kernels = entry.kernels ?? [];
  const { tracer, maxKernelSpansPerCall } = entry.capture;
  const roots = nestKernels(kernels);
  const layout = layoutKernels(parent.startNs, parent.endNs, roots);
  parent.setAttribute('kernelCount', kernels.length);
  parent.setMetric('kernelTimeNs', Math.round(layout.totalKernelNs));
  if (kernels.length > 0) parent.setAttribute('kernelTypes', formatKernelTypes(aggregateKernelTypes(roots)));
  parent.setAttribute(
    'kernelTiming',
    `tfjs profiler (backend-reported kernelTimeMs); children laid out back to back from the call start${layout.scale < 1 ? `, scaled by ${layout.scale.toFixed(3)} to fit the call` : ''}: durations are the backend's, positions approximate`,
  );
  if (entry.async) parent.setAttribute('kernelWindow', 'async call: kernels run by other work while it was pending are included');
  const shown = Math.min(layout.slots.length, maxKernelSpansPerCall);
  if (shown < layout.slots.length) parent.setAttribute('kernelSpansOmitted', layout.slots.length - shown);
  const spans = new Map<KernelNode, Span>();
  for (let index = 0; index < shown; index++) {
    const slot = layout.slots[index]!;
    const record = entry.records[slot.node.index]!;
    const kernel = kernels[slot.node.index]!;
    const under = slot.parent === null ? parent : spans.get(slot.parent);
    if (under === undefined) continue;
    const child = tracer.startSpan(kernel.name, { parent: under, startNs: slot.startNs, stage: null, target: 'tfjs-core#profile' });
    spans.set(slot.node, child);
    child.setAttribute('kernel', kernel.name);
    if (Number.isFinite(kernel.kernelTimeMs)) child.setAttribute('kernelTimeMs', kernel.kernelTimeMs);
    const inputs = formatShapes(record.inputShapes);
    if (inputs !== undefined) child.setAttribute('inputShapes', inputs);
    const outputs = formatShapes(record.outputShapes);
    if (outputs !== undefined) child.setAttribute('outputShapes', outputs);
    if (typeof record.bytesAdded === 'number') child.setMetric('bytesAdded', record.bytesAdded);
    tracer.endSpan(child, slot.endNs);
  }
}

/** `[[1,224,224,3],[3,3,3,32]]` → `1x224x224x3, 3x3x3x32`. */
function formatShapes(shapes: unknown[] | undefined): string | undefined {
  if (!Array.isArray(shapes) || shapes.length === 0) return undefined;
  return shapes.map((shape) => (Array.isArray(shape) ? (shape.length === 0 ? 'scalar' : shape.join('x')) : '-')).join(', ');
}
