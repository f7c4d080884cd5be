import path from 'node:path';
import { storage, SUPPRESSED } from '../../core/context.js';
import type { Span } from '../../core/span.js';
import { registerTargetHook } from '../../instrument/hook-registry.js';
import type { CallContext, CallEndContext, TargetHook } from '../../instrument/wrap.js';
import { MODEL_RULES, resolveModelStage } from '../../instrument/model-rules.js';
import { describeTensor, describeTensors, isLazyBackend, tfBackendName } from './tfjs-engine.js';
import { invokeWithKernels, kernelCallEnded } from './tfjs-kernels.js';

/**
 * TensorFlow.js hooks (`hook: tfjs.*` in presets/tfjs.yaml). Every span records
 * the backend that ran it; model calls are labelled by their model; readbacks say
 * whether they waited for queued kernels (lazy backends) or only copied.
 */

/** Model labels from load time: a GraphModel loaded from an IOHandler has no URL to show. */
const modelLabels = new WeakMap<object, string>();

/** The backend attribute every tfjs span carries (`tf.getBackend()`). */
export function recordBackend(span: Span): void {
  const backend = tfBackendName();
  if (backend !== undefined) span.setAttribute('backend', backend);
}

/**
 * A short label for where a model was loaded from. TF.js models are all called
 * `model.json`, so the folder names them: `file://models/mobilenet_v2/model.json`
 * → `mobilenet_v2`.
 */
export function modelSourceLabel(source: unknown): string | undefined {
  let text: string | undefined;
  if (typeof source === 'string') text = source;
  else if (source instanceof URL) text = source.href;
  if (text === undefined) return undefined;
  const clean = text.replace(/[?#].*$/, '').replace(/\/+$/, '');
  const base = path.posix.basename(clean);
  if (/^model\.json$/i.test(base) || base === '') {
    const folder = path.posix.basename(path.posix.dirname(clean));
    return folder !== '' && folder !== '.' ? folder : base;
  }
  return base.replace(/\.json$/i, '');
}

/** Label of a GraphModel / LayersModel / TFSavedModel instance. */
function modelLabelOf(model: unknown): string | undefined {
  if (model === null || typeof model !== 'object') return undefined;
  const known = modelLabels.get(model);
  if (known !== undefined) return known;
  const layersName = (model as { name?: unknown }).name;
  if (typeof layersName === 'string' && layersName !== '') return layersName.replace(/_model$/, '');
  // GraphModel keeps the URL it was loaded from; reading it has no side effect.
  return modelSourceLabel((model as { modelUrl?: unknown }).modelUrl);
}

function labelModelCall(call: CallContext): void {
  const { span } = call;
  recordBackend(span);
  const label = modelLabelOf(call.thisArg);
  if (label !== undefined) {
    span.name = `${span.name} ${label}`;
    span.setAttribute('model', label);
    const stage = resolveModelStage(label, call.scope.state(MODEL_RULES));
    if (stage !== null && span.stage === null) span.stage = stage;
  }
  const inputs = describeTensors(call.args[0]);
  if (inputs !== undefined) span.setAttribute('inputs', inputs);
}

function recordOutputs(call: CallEndContext): void {
  kernelCallEnded(call.span);
  if (call.failed) return;
  const outputs = describeTensors(call.result);
  if (outputs !== undefined) call.span.setAttribute('outputs', outputs);
}

/**
 * Synchronous model calls (GraphModel.predict/execute, LayersModel.predict).
 * Inner traced calls are suppressed: predict calls execute, Sequential.predict
 * calls its inner LayersModel.predict, and one span per user call is what reads
 * well. The call's own kernels are still captured (engine-level, not wrappers).
 */
const modelCall: TargetHook = {
  onStart: labelModelCall,
  aroundCall(call, invoke) {
    return invokeWithKernels(call, () => storage.run(SUPPRESSED, () => invoke(call.args)));
  },
  onEnd: recordOutputs,
};

/**
 * `GraphModel.executeAsync` (control flow, dynamic shapes): not suppressed
 * inside, because the readbacks it performs itself are part of its cost.
 */
const modelCallAsync: TargetHook = {
  onStart: labelModelCall,
  aroundCall(call, invoke) {
    return invokeWithKernels(call, () => invoke(call.args));
  },
  onEnd: recordOutputs,
};

const loadModel: TargetHook = {
  onStart(call) {
    recordBackend(call.span);
    const label = modelSourceLabel(call.args[0]);
    if (label !== undefined) {
      call.span.name = `${call.span.name} ${label}`;
      call.span.setAttribute('model', label);
      const source = call.args[0];
      call.span.setAttribute('modelUrl', source instanceof URL ? source.href : String(source));
    } else if (call.args[0] !== null && typeof call.args[0] === 'object') {
      call.span.setAttribute('modelUrl', '<IOHandler>');
    }
  },
  onEnd(call) {
    if (call.failed || call.result === null || typeof call.result !== 'object') return;
    const label = modelSourceLabel(call.args[0]) ?? modelLabelOf(call.result);
    if (label !== undefined) {
      modelLabels.set(call.result, label);
      const stage = resolveModelStage(label, call.scope.state(MODEL_RULES));
      if (stage !== null) call.span.setAttribute('modelStage', stage);
    }
  },
};

const backendSetup: TargetHook = {
  onStart(call) {
    if (typeof call.args[0] === 'string') call.span.setAttribute('requestedBackend', call.args[0]);
  },
  onEnd(call) {
    recordBackend(call.span);
  },
};

const tensorCreate: TargetHook = {
  onStart(call) {
    recordBackend(call.span);
    const dtype = call.args.find((arg, index) => index > 0 && typeof arg === 'string');
    if (typeof dtype === 'string') call.span.setAttribute('dtype', dtype);
  },
  onEnd(call) {
    if (call.failed) return;
    const tensor = describeTensor(call.result);
    if (tensor !== undefined) call.span.setAttribute('tensor', tensor);
  },
};

/** Kept short: it is set on every readback span. */
const LAZY_NOTE = 'waits for the queued kernels of a lazy backend, then copies: model time can show up here';
const EAGER_NOTE = 'copy to JS only (eager backend: kernels already ran)';

function labelReadback(call: CallContext): void {
  const backend = tfBackendName();
  if (backend !== undefined) call.span.setAttribute('backend', backend);
  call.span.setAttribute('readback', isLazyBackend(backend) ? LAZY_NOTE : EAGER_NOTE);
  const tensor = describeTensor(call.thisArg);
  if (tensor !== undefined) call.span.setAttribute('tensor', tensor);
}

const readback: TargetHook = { onStart: labelReadback };

/** `array()`/`arraySync()` read through `data()`/`dataSync()`: one span, not two. */
const readbackNested: TargetHook = {
  onStart: labelReadback,
  aroundCall(call, invoke) {
    return storage.run(SUPPRESSED, () => invoke(call.args));
  },
};

registerTargetHook('tfjs.model-call', modelCall);
registerTargetHook('tfjs.model-call-async', modelCallAsync);
registerTargetHook('tfjs.load-model', loadModel);
registerTargetHook('tfjs.backend', backendSetup);
registerTargetHook('tfjs.tensor-create', tensorCreate);
registerTargetHook('tfjs.readback', readback);
registerTargetHook('tfjs.readback-nested', readbackNested);
