import { registerTargetHook } from '../../instrument/hook-registry.js';
import type { CallContext } from '../../instrument/wrap.js';
import { describeTensor, describeTensors } from './tfjs-engine.js';
import { recordBackend } from './tfjs-hooks.js';
import { invokeWithKernels, kernelCallEnded } from './tfjs-kernels.js';

/**
 * @vladmandic/face-api hooks (`hook: face-api.*` in presets/face-api.yaml).
 * face-api's nets are NeuralNetwork subclasses that run tfjs ops directly, so the
 * net methods are the stages, and `forwardInput` is where the kernels run.
 * Class names are minified in face-api's bundles, so nets are named in the
 * target file (`tinyFaceDetector.locateFaces`) and models by their weight file
 * (`getDefaultModelName()`: tiny_face_detector_model, face_landmark_68_model…).
 */

/** The weight file a face-api net loads (`face_landmark_68_model`), if it says. */
function netModelName(net: unknown): string | undefined {
  if (net === null || typeof net !== 'object') return undefined;
  const getDefaultModelName = (net as { getDefaultModelName?: unknown }).getDefaultModelName;
  if (typeof getDefaultModelName !== 'function') return undefined;
  try {
    const name: unknown = getDefaultModelName.call(net);
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}

/** face-api inputs: a tensor, a NetInput (batch of images), an image or canvas. */
function describeInput(input: unknown): string | undefined {
  const tensor = describeTensor(input);
  if (tensor !== undefined) return tensor;
  if (input === null || typeof input !== 'object') return undefined;
  const batchSize = (input as { batchSize?: unknown }).batchSize;
  const inputSize = (input as { inputSize?: unknown }).inputSize;
  if (typeof batchSize === 'number') return `NetInput batch ${batchSize}${typeof inputSize === 'number' && inputSize > 0 ? ` @${inputSize}px` : ''}`;
  return undefined;
}

function labelNetCall(call: CallContext): void {
  recordBackend(call.span);
  const model = netModelName(call.thisArg);
  if (model !== undefined) call.span.setAttribute('model', model);
  const input = describeInput(call.args[0]);
  if (input !== undefined) call.span.setAttribute('input', input);
}

registerTargetHook('face-api.load', {
  onStart(call) {
    recordBackend(call.span);
    const model = netModelName(call.thisArg);
    if (model !== undefined) {
      call.span.name = `${call.span.name} ${model}`;
      call.span.setAttribute('model', model);
    }
    if (typeof call.args[0] === 'string') call.span.setAttribute('modelDir', call.args[0]);
  },
});

registerTargetHook('face-api.net', {
  onStart: labelNetCall,
  onEnd(call) {
    if (call.failed) return;
    // Detectors return a list of faces; per-face nets a value or a list (batch input).
    if (Array.isArray(call.result)) call.span.setAttribute('results', call.result.length);
  },
});

/** `forwardInput`: the network's own tfjs ops; kernel children when drill-down is on. */
registerTargetHook('face-api.forward', {
  onStart: labelNetCall,
  aroundCall(call, invoke) {
    return invokeWithKernels(call, () => invoke(call.args));
  },
  onEnd(call) {
    kernelCallEnded(call.span);
    if (call.failed) return;
    const output = describeTensors(call.result);
    if (output !== undefined) call.span.setAttribute('output', output);
  },
});
