import path from 'node:path';
import { registerTargetHook } from '../../instrument/hook-registry.js';
import type { CallContext } from '../../instrument/wrap.js';

/**
 * @gutenye/ocr-node hooks (presets/paddle.yaml): image and line counts on the
 * PaddleOCR pipeline's spans, so `Ocr.detect` says what it read and how much.
 */

function setImage(call: CallContext): void {
  const image = call.args[0];
  if (typeof image === 'string') call.span.setAttribute('image', path.basename(image));
}

function lengthOf(value: unknown): number | undefined {
  return Array.isArray(value) ? value.length : undefined;
}

registerTargetHook('guten.ocr-detect', {
  onStart: setImage,
  onEnd(call) {
    const lines = call.failed ? undefined : lengthOf(call.result);
    if (lines !== undefined) call.span.setAttribute('lines', lines);
  },
});

registerTargetHook('guten.detection-run', {
  onStart: setImage,
  onEnd(call) {
    const boxes = call.failed ? undefined : lengthOf(call.result);
    if (boxes !== undefined) call.span.setAttribute('lineImages', boxes);
  },
});

registerTargetHook('guten.recognition-run', {
  onStart(call) {
    const lineImages = lengthOf(call.args[0]);
    if (lineImages !== undefined) call.span.setAttribute('lineImages', lineImages);
  },
  onEnd(call) {
    const lines = call.failed ? undefined : lengthOf(call.result);
    if (lines !== undefined) call.span.setAttribute('lines', lines);
  },
});

registerTargetHook('guten.split-lines', {
  onEnd(call) {
    const lines = call.failed ? undefined : lengthOf(call.result);
    if (lines !== undefined) call.span.setAttribute('lineImages', lines);
  },
});
