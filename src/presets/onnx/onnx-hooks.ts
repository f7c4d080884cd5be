import { registerTargetHook } from '../../instrument/hook-registry.js';
import type { CallContext } from '../../instrument/wrap.js';
import { MODEL_RULES, resolveModelStage } from '../../instrument/model-rules.js';
import { modelLabel } from '../../instrument/model-stage.js';
import { shareAttributes } from '../../core/span.js';
import type { Attributes } from '../../core/types.js';
import { ONNX_STATE, type SessionInfo, type TensorShapes } from './onnx-hook-state.js';

/**
 * onnxruntime hooks: a session is labelled by the model it was created from, so
 * `InferenceSession.run` reads "InferenceSession.run ch_PP-OCRv4_det_infer.onnx"
 * with stage detection, instead of three identical "run" spans. What they know
 * (sessions, the op profiler) is the preset's: `call.scope.state(ONNX_STATE)`.
 */

function describeTensors(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const parts: string[] = [];
  for (const [name, tensor] of Object.entries(value as Record<string, unknown>)) {
    const dims = (tensor as { dims?: unknown } | null)?.dims;
    const type = (tensor as { type?: unknown } | null)?.type;
    if (Array.isArray(dims)) parts.push(`${name}:${typeof type === 'string' ? type : ''}[${dims.join('x')}]`);
  }
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/**
 * `describeTensors`, cached: while a session sees the same tensor names, types
 * and dims (every call of a loop), the text is reused; checking costs a few
 * property reads, building the text a few µs of strings on the app's call path.
 */
function describeTensorsCached(value: unknown, cache: TensorShapes): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const key = cache.key;
  let i = 0;
  let same = true;
  for (const name in value as Record<string, unknown>) {
    const tensor = (value as Record<string, unknown>)[name] as { dims?: unknown; type?: unknown } | null;
    const dims = tensor?.dims;
    const type = tensor?.type;
    if (same && (key[i] !== name || key[i + 1] !== type || !sameDims(key[i + 2], dims))) same = false;
    i += 3;
  }
  if (same && i === key.length) return cache.text;
  cache.text = describeTensors(value);
  cache.key = [];
  for (const name in value as Record<string, unknown>) {
    const tensor = (value as Record<string, unknown>)[name] as { dims?: unknown; type?: unknown } | null;
    const dims = tensor?.dims;
    cache.key.push(name, tensor?.type, Array.isArray(dims) ? [...(dims as unknown[])] : undefined);
  }
  return cache.text;
}

function sameDims(cached: unknown, dims: unknown): boolean {
  if (!Array.isArray(cached) || !Array.isArray(dims) || cached.length !== dims.length) return cached === undefined && !Array.isArray(dims);
  for (let i = 0; i < dims.length; i++) if (cached[i] !== dims[i]) return false;
  return true;
}

function labelSessionCall(call: CallContext, method: string): SessionInfo | undefined {
  const info = call.scope.state(ONNX_STATE).sessions.get(call.thisArg as object);
  if (info === undefined) return undefined;
  let name = info.names.get(method);
  if (name === undefined) info.names.set(method, (name = `InferenceSession.${method} ${info.label}`));
  call.span.name = name;
  call.span.setAttribute('model', info.label);
  if (info.stage !== null && method === 'run') call.span.stage = info.stage;
  if (info.stage !== null) call.span.setAttribute('modelStage', info.stage);
  return info;
}

registerTargetHook('onnx.session-create', {
  aroundCall(call, invoke) {
    const state = call.scope.state(ONNX_STATE);
    const profiler = state.profiler;
    if (profiler === null) return invoke(call.args);
    // A copy of the user's options with profiling on; the user's object is never touched.
    const prepared = profiler.createArgs(call.args, modelLabel(call.args[0]).label);
    if (prepared === undefined) return invoke(call.args);
    state.profiledCreates.set(call.span, prepared.prefix);
    call.span.setAttribute('profiling', true);
    return invoke(prepared.args);
  },
  onStart(call) {
    const { label, path } = modelLabel(call.args[0]);
    call.span.name = `InferenceSession.create ${label}`;
    call.span.setAttribute('model', label);
    if (path !== null) call.span.setAttribute('modelPath', path);
    const stage = resolveModelStage(label, call.scope.state(MODEL_RULES));
    if (stage !== null) call.span.setAttribute('modelStage', stage);
  },
  onEnd(call) {
    const state = call.scope.state(ONNX_STATE);
    const prefix = state.profiledCreates.get(call.span);
    if (prefix !== undefined) {
      const profiler = state.profiler;
      if (call.failed || call.result === null || typeof call.result !== 'object') profiler?.dropPrefix(prefix);
      else profiler?.adoptSession(call.result, prefix);
    }
    if (call.failed || call.result === null || typeof call.result !== 'object') return;
    const { label, path } = modelLabel(call.args[0]);
    const runName = `InferenceSession.run ${label}`;
    state.sessions.set(call.result, {
      label,
      path,
      stage: resolveModelStage(label, call.scope.state(MODEL_RULES)),
      names: new Map(),
      feeds: { key: [], text: undefined },
      results: { key: [], text: undefined },
      run: {
        name: runName,
        nameId: call.scope.tracer.recorder.intern(runName),
        start: null,
        startFeeds: undefined,
        full: null,
        fullOf: null,
        fullResults: undefined,
      },
    });
    const session = call.result as { inputNames?: unknown; outputNames?: unknown };
    if (Array.isArray(session.inputNames)) call.span.setAttribute('inputs', session.inputNames.join(','));
    if (Array.isArray(session.outputNames)) call.span.setAttribute('outputs', session.outputNames.join(','));
  },
});

/** The shared attributes of a run's start (model, modelStage, feeds), made again when the feeds' shapes change. */
function runStartAttributes(info: SessionInfo, feeds: unknown): Attributes {
  const run = info.run;
  const text = describeTensorsCached(feeds, info.feeds);
  // The same string object while the shapes repeat (the cache's text).
  if (run.start === null || run.startFeeds !== text) {
    const attributes: Attributes = { model: info.label };
    if (info.stage !== null) attributes.modelStage = info.stage;
    if (text !== undefined) attributes.feeds = text;
    run.start = shareAttributes(attributes);
    run.startFeeds = text;
  }
  return run.start;
}

/** `start` and the results' description, shared while both repeat. */
function runFullAttributes(info: SessionInfo, start: Attributes, result: unknown): Attributes {
  const run = info.run;
  const text = describeTensorsCached(result, info.results);
  if (text === undefined) return start;
  if (run.full === null || run.fullOf !== start || run.fullResults !== text) {
    run.full = shareAttributes({ ...start, results: text });
    run.fullOf = start;
    run.fullResults = text;
  }
  return run.full;
}

registerTargetHook('onnx.session-run', {
  onStart(call) {
    const span = call.span;
    const info = call.scope.state(ONNX_STATE).sessions.get(call.thisArg as object);
    if (info === undefined) {
      const feeds = describeTensors(call.args[0]);
      if (feeds !== undefined) span.setAttribute('feeds', feeds);
      return;
    }
    call.data = info;
    span.name = info.run.name;
    span.nameId = info.run.nameId;
    if (info.stage !== null) span.stage = info.stage;
    // A new span: nothing set its attributes yet.
    span.attributes = runStartAttributes(info, call.args[0]);
  },
  onEnd(call) {
    const span = call.span;
    const profiler = call.scope.state(ONNX_STATE).profiler;
    if (profiler !== null) profiler.addRun(call.thisArg, span, call.failed);
    if (call.failed) return;
    const info = call.data as SessionInfo | undefined;
    if (info !== undefined && info.run.start !== null && span.attributes === info.run.start) {
      span.attributes = runFullAttributes(info, info.run.start, call.result);
      return;
    }
    // A session made before tracing, or attributes the op profiler added: the span's own object.
    const outputs = info === undefined ? describeTensors(call.result) : describeTensorsCached(call.result, info.results);
    if (outputs !== undefined) span.setAttribute('results', outputs);
  },
});

registerTargetHook('onnx.session-method', {
  onStart(call) {
    const method = call.span.name.split('.').pop() ?? 'method';
    call.scope.state(ONNX_STATE).methodOfCall.set(call.span, method);
    labelSessionCall(call, method);
  },
  aroundCall(call, invoke) {
    // The profile must be ended (written) while the session is still alive.
    const state = call.scope.state(ONNX_STATE);
    if (state.methodOfCall.get(call.span) === 'release') state.profiler?.collect(call.thisArg);
    return invoke(call.args);
  },
});
