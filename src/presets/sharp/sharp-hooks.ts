import { errorMonitor } from 'node:events';
import { statSync } from 'node:fs';
import path from 'node:path';
import { nowNs } from '../../core/clock.js';
import { deferToReport } from '../../core/deferred.js';
import { errorToRecord, type Span } from '../../core/span.js';
import type { Attributes } from '../../core/types.js';
import { hookState, registerTargetHook, type HookScope } from '../../instrument/hook-registry.js';
import type { CallContext } from '../../instrument/wrap.js';

/**
 * sharp hooks. Every sharp output — `toBuffer`, `toFile`, `toUint8Array` and
 * stream output (`_read`) — ends in `Sharp.prototype._pipeline(callback, stack)`,
 * which hands `this.options` (everything queued by resize(), extract(), raw(), …)
 * to libvips. `metadata()` and `stats()` decode the input without going through
 * `_pipeline`. The hook `sharp.pipeline` reads `this.options` when the call starts
 * and names the span after what the pipeline does:
 *
 *   sharp.toBuffer resize raw              (decode, resize, raw pixels out)
 *   sharp.toFile extract png               (decode, crop, encode to PNG)
 *   sharp.metadata                         (header decode only)
 *
 * The name keeps the operations but not their per-call geometry (crop box,
 * target size): a span name is a call site, and the call graph and `compare`
 * aggregate by name, so "every line crop" must be one node across crops, images
 * and runs. The exact values are in the attributes (`ops`, `extract`,
 * `resizeWidth`, …).
 *
 * The fields read here exist in sharp 0.33 (lib/) and 0.35 (dist/, both builds);
 * names that changed between them (`orientBefore` vs `useExifOrientation`) are
 * both read.
 */

/** The subset of sharp's `this.options` the hook reads; every field may be absent in another sharp version. */
interface SharpOptions {
  input?: { file?: unknown; buffer?: unknown; create?: unknown; text?: unknown; raw?: unknown; join?: unknown };
  width?: number;
  height?: number;
  kernel?: string;
  canvas?: string;
  topOffsetPre?: number;
  leftOffsetPre?: number;
  widthPre?: number;
  heightPre?: number;
  topOffsetPost?: number;
  leftOffsetPost?: number;
  widthPost?: number;
  heightPost?: number;
  angle?: number;
  rotationAngle?: number;
  orientBefore?: boolean;
  useExifOrientation?: boolean;
  flip?: boolean;
  flop?: boolean;
  greyscale?: boolean;
  flatten?: boolean;
  trimThreshold?: number;
  extendTop?: number;
  extendBottom?: number;
  extendLeft?: number;
  extendRight?: number;
  blurSigma?: number;
  sharpenSigma?: number;
  medianSize?: number;
  threshold?: number;
  normalise?: boolean;
  negate?: boolean;
  gamma?: number;
  removeAlpha?: boolean;
  ensureAlpha?: number;
  extractChannel?: number;
  colourspace?: string;
  composite?: unknown[];
  fileOut?: string;
  formatOut?: string;
  streamOut?: boolean;
  typedArrayOut?: boolean;
}

/** sharp's `canvas` values, as the `fit` names users pass to resize(). */
const FIT_BY_CANVAS: Record<string, string> = { crop: 'cover', embed: 'contain', max: 'inside', min: 'outside', ignore_aspect: 'fill' };

/** How the pipeline's result leaves sharp, from the options `_pipeline` sees. */
function outputMethod(options: SharpOptions, callbackGiven: boolean): string {
  if (typeof options.fileOut === 'string' && options.fileOut !== '') return 'toFile';
  if (options.typedArrayOut === true) return 'toUint8Array';
  if (options.streamOut === true && !callbackGiven) return 'stream';
  return 'toBuffer';
}

/** Boolean settings shown as a bare word, and numeric ones shown as `word(amount)` when > 0. */
const FLAG_OPS: ReadonlyArray<readonly [keyof SharpOptions, string]> = [
  ['negate', 'negate'],
  ['normalise', 'normalise'],
  ['removeAlpha', 'removeAlpha'],
];
const AMOUNT_OPS: ReadonlyArray<readonly [keyof SharpOptions, string]> = [
  ['blurSigma', 'blur'],
  ['sharpenSigma', 'sharpen'],
  ['medianSize', 'median'],
  ['threshold', 'threshold'],
  ['gamma', 'gamma'],
];

const set = (value: number | undefined): value is number => typeof value === 'number' && value >= 0;
const dim = (value: number | undefined): string => (set(value) && value > 0 ? String(value) : '?');

/** Where the input comes from, and its size in bytes when that is cheap to know. */
function describeInput(options: SharpOptions, attributes: Attributes, basenames: Map<string, string> | undefined): void {
  const input = options.input;
  if (input === undefined || input === null) return;
  if (typeof input.file === 'string' && input.file !== '') {
    attributes.input = 'file';
    let base = basenames?.get(input.file);
    if (base === undefined) {
      base = path.basename(input.file);
      basenames?.set(input.file, base);
    }
    attributes.inputFile = base;
    // inputBytes: not on the call path (a stat measured 2 µs quiet, hundreds under
    // I/O load); `noteInputSize` fills it in when the run is reported.
  } else if (Array.isArray(input.buffer)) {
    attributes.input = 'stream'; // size known only once the stream has ended
  } else if (Buffer.isBuffer(input.buffer)) {
    attributes.input = 'buffer';
    attributes.inputBytes = input.buffer.length;
  } else if (input.create !== undefined) {
    attributes.input = 'create';
  } else if (input.text !== undefined) {
    attributes.input = 'text';
  } else if (input.join !== undefined) {
    attributes.input = 'join';
  }
  if (input.raw !== undefined && input.raw !== null) attributes.inputRaw = true;
}

/**
 * The operations queued on a sharp instance, in libvips's order (pre-resize
 * extract, trim, resize, post-resize extract, rotation, flips, colour), as short
 * call-like words for the span name, plus one attribute per setting.
 */
export function describeSharpOptions(options: SharpOptions, basenames?: Map<string, string>): { ops: string[]; attributes: Attributes } {
  const ops: string[] = [];
  const attributes: Attributes = {};
  describeInput(options, attributes, basenames);
  if (set(options.widthPre) && set(options.heightPre) && set(options.leftOffsetPre) && set(options.topOffsetPre)) {
    const region = `${options.leftOffsetPre},${options.topOffsetPre},${options.widthPre}x${options.heightPre}`;
    ops.push(`extract(${region})`);
    attributes.extract = region;
  }
  if (options.flatten === true) ops.push('flatten');
  if (typeof options.trimThreshold === 'number' && options.trimThreshold >= 0) {
    ops.push('trim');
    attributes.trimThreshold = options.trimThreshold;
  }
  if ((set(options.width) && options.width > 0) || (set(options.height) && options.height > 0)) {
    ops.push(`resize(${dim(options.width)}x${dim(options.height)})`);
    if (set(options.width) && options.width > 0) attributes.resizeWidth = options.width;
    if (set(options.height) && options.height > 0) attributes.resizeHeight = options.height;
    if (typeof options.kernel === 'string') attributes.kernel = options.kernel;
    if (typeof options.canvas === 'string') attributes.fit = FIT_BY_CANVAS[options.canvas] ?? options.canvas;
  }
  if (set(options.widthPost) && set(options.heightPost) && set(options.leftOffsetPost) && set(options.topOffsetPost)) {
    const region = `${options.leftOffsetPost},${options.topOffsetPost},${options.widthPost}x${options.heightPost}`;
    ops.push(`extract(${region})`);
    attributes.extractAfterResize = region;
  }
  if ((options.extendTop ?? 0) + (options.extendBottom ?? 0) + (options.extendLeft ?? 0) + (options.extendRight ?? 0) > 0) {
    ops.push('extend');
    attributes.extend = `${options.extendTop ?? 0},${options.extendRight ?? 0},${options.extendBottom ?? 0},${options.extendLeft ?? 0}`;
  }
  if (options.orientBefore === true || options.useExifOrientation === true) {
    ops.push('autoOrient');
    attributes.autoOrient = true;
  }
  const degrees = (options.angle ?? 0) !== 0 ? options.angle! : (options.rotationAngle ?? 0);
  if (degrees !== 0) {
    ops.push(`rotate(${degrees})`);
    attributes.rotateDegrees = degrees;
  }
  if (options.flip === true) {
    ops.push('flip');
    attributes.flip = true;
  }
  if (options.flop === true) {
    ops.push('flop');
    attributes.flop = true;
  }
  for (const [key, word] of FLAG_OPS) {
    if (options[key] === true) {
      ops.push(word);
      attributes[word] = true;
    }
  }
  for (const [key, word] of AMOUNT_OPS) {
    const value = options[key];
    if (typeof value === 'number' && value > 0) {
      ops.push(`${word}(${value})`);
      attributes[word] = value;
    }
  }
  if (typeof options.ensureAlpha === 'number' && options.ensureAlpha >= 0) ops.push('ensureAlpha');
  if (typeof options.extractChannel === 'number' && options.extractChannel >= 0) {
    ops.push(`extractChannel(${options.extractChannel})`);
    attributes.extractChannel = options.extractChannel;
  }
  if (Array.isArray(options.composite) && options.composite.length > 0) {
    ops.push(`composite(${options.composite.length})`);
    attributes.compositeLayers = options.composite.length;
  }
  if (options.greyscale === true) {
    ops.push('greyscale');
    attributes.greyscale = true;
  }
  if (typeof options.colourspace === 'string' && options.colourspace !== 'srgb') {
    ops.push(`toColourspace(${options.colourspace})`);
    attributes.colourspace = options.colourspace;
  }
  if (typeof options.formatOut === 'string' && options.formatOut !== 'input') {
    ops.push(options.formatOut);
  }
  if (typeof options.formatOut === 'string') attributes.format = options.formatOut;
  if (typeof options.fileOut === 'string' && options.fileOut !== '') attributes.outputFile = path.basename(options.fileOut);
  return { ops, attributes };
}

function optionsOf(thisArg: unknown): SharpOptions | undefined {
  const options = (thisArg as { options?: unknown } | null)?.options;
  return typeof options === 'object' && options !== null ? (options as SharpOptions) : undefined;
}

/**
 * Input file sizes, per preset (a file that changed between two runs in one
 * process is not reported with its old size), and the attribute objects still
 * waiting for theirs. The file is stat'ed once, when the run is reported (never
 * on the call path); until then a call only adds its attributes object (which
 * the recorder holds anyway) to its file's list: no closure, no span kept alive.
 */
interface InputSizes {
  sizes: Map<string, number | null>;
  waiting: Map<string, Attributes[]>;
  waitingCount: number;
  queued: boolean;
}

/** Attribute objects waiting for a size, at most (a server that never reports a run must not grow). */
const MAX_WAITING = 10_000;

const INPUT_SIZES = hookState('sharp', (): InputSizes => ({ sizes: new Map(), waiting: new Map(), waitingCount: 0, queued: false }));

/** `inputBytes` for a file input: at once when the file's size is known, else when the run is reported. */
function noteInputSize(scope: HookScope, attributes: Attributes | null, options: SharpOptions): void {
  const file = options.input?.file;
  if (typeof file !== 'string' || file === '' || attributes === null) return;
  const state = scope.state(INPUT_SIZES);
  const size = state.sizes.get(file);
  if (size !== undefined) {
    if (size !== null) attributes.inputBytes = size;
    return;
  }
  if (state.waitingCount >= MAX_WAITING) return;
  state.waitingCount++;
  const list = state.waiting.get(file);
  if (list === undefined) state.waiting.set(file, [attributes]);
  else list.push(attributes);
  if (!state.queued) {
    state.queued = true;
    deferToReport(() => fillInputSizes(state));
  }
}

function fillInputSizes(state: InputSizes): void {
  state.queued = false;
  const waiting = state.waiting;
  state.waiting = new Map();
  state.waitingCount = 0;
  for (const [file, list] of waiting) {
    let size = state.sizes.get(file);
    if (size === undefined) {
      try {
        size = statSync(file).size;
      } catch {
        size = null; // a missing file is sharp's error to report, not ours
      }
      state.sizes.set(file, size);
    }
    // The recorder holds these same objects: the rows see the size without a rewrite.
    if (size !== null) for (const attributes of list) attributes.inputBytes = size;
  }
}

/** `path.basename` of input files, per preset: the same few paths come back on every call. */
const BASENAMES = hookState('sharp', () => new Map<string, string>());

/**
 * Name the span and give it the pipeline's attributes. On the app's call path
 * (every toBuffer), so: the attributes object `describeSharpOptions` made is
 * the span's own (no copy), and the stable name is built without regexes.
 */
function label(call: CallContext, method: string, options: SharpOptions): void {
  const { ops, attributes } = describeSharpOptions(options, call.scope.state(BASENAMES));
  let stable = '';
  for (const op of ops) {
    const base = op.startsWith('extract(') || op.startsWith('resize(') ? op.slice(0, op.indexOf('(')) : op;
    stable = stable === '' ? base : `${stable} ${base}`;
  }
  call.span.name = stable === '' ? `sharp.${method}` : `sharp.${method} ${stable}`;
  if (ops.length > 0) attributes.ops = ops.join(' ');
  attributes.output = method;
  const span = call.span;
  span.attributes = span.attributes === null ? attributes : Object.assign(span.attributes, attributes);
  noteInputSize(call.scope, span.attributes, options);
}

/** What libvips reports about the image it produced (`info` of toBuffer/toFile, metadata(), stats()). */
function recordInfo(span: Span, info: unknown): void {
  if (typeof info !== 'object' || info === null) return;
  const { width, height, channels, size, format } = info as Record<string, unknown>;
  if (typeof width === 'number' && typeof height === 'number') span.setAttribute('outputSize', `${width}x${height}`);
  if (typeof channels === 'number') span.setAttribute('outputChannels', channels);
  if (typeof size === 'number') span.setAttribute('outputBytes', size);
  if (typeof format === 'string') span.setAttribute('outputFormat', format);
}

function recordResult(span: Span, result: unknown): void {
  if (Buffer.isBuffer(result) || result instanceof Uint8Array) {
    span.setAttribute('outputBytes', result.byteLength);
    return;
  }
  if (typeof result !== 'object' || result === null) return;
  const { data, info } = result as { data?: unknown; info?: unknown };
  if (info !== undefined) {
    // toBuffer({ resolveWithObject: true }) → { data, info }
    recordInfo(span, info);
    if (data instanceof Uint8Array) span.setAttribute('outputBytes', data.byteLength);
  } else {
    recordInfo(span, result); // toFile() → info
  }
}

/**
 * In callback and stream mode `_pipeline` returns `this` at once while libvips
 * works on a thread, so the wrapper ends the span at dispatch. The hook then
 * moves the span's end to where libvips really finished (the callback, or the
 * stream's 'info' / error) — the run document reads `endNs` when the run ends,
 * so the recorded duration is the pipeline's. Per-span probes (memory, CPU)
 * still cover only the dispatch in these two modes; promises (the common case)
 * are timed by the wrapper itself.
 */
function completeLater(span: Span, error: unknown): void {
  const endNs = nowNs();
  if (span.endNs < 0) return; // not yet ended by the wrapper: it will end it itself
  span.endNs = Math.max(span.endNs, endNs);
  if (span.attributes !== null) delete span.attributes.pending;
  if (error !== undefined && error !== null) {
    span.status = 'error';
    span.error = errorToRecord(error);
  }
}

/** `Sharp.prototype._pipeline(callback, stack)`: toBuffer, toFile, toUint8Array, stream output. */
registerTargetHook('sharp.pipeline', {
  onStart(call) {
    const options = optionsOf(call.thisArg);
    if (options !== undefined) label(call, outputMethod(options, typeof call.args[0] === 'function'), options);
  },
  aroundCall(call, invoke) {
    const span = call.span;
    const callback = call.args[0];
    if (typeof callback === 'function') {
      span.setAttribute('pending', true);
      const args = call.args.slice();
      // Same `this`, same arguments, same return value: only observes completion.
      args[0] = function (this: unknown, ...results: unknown[]): unknown {
        try {
          completeLater(span, results[0]);
          if (results[0] === null || results[0] === undefined) recordInfo(span, results[2]);
          span.amend(); // the span was copied when the wrapper ended it
        } catch {
          // never let bookkeeping reach sharp's callback chain
        }
        return Reflect.apply(callback, this, results);
      };
      return invoke(args);
    }
    const result = invoke(call.args);
    const options = optionsOf(call.thisArg);
    const emitter = call.thisArg as { once?: unknown; off?: unknown } | null;
    if (options?.streamOut === true && typeof emitter?.once === 'function' && typeof emitter.off === 'function') {
      span.setAttribute('pending', true);
      const stream = call.thisArg as NodeJS.EventEmitter;
      // 'info' is emitted when libvips is done; errorMonitor observes 'error'
      // without handling it, so an unhandled stream error still crashes as before.
      const onInfo = (info: unknown): void => {
        stream.off(errorMonitor, onError);
        completeLater(span, undefined);
        recordInfo(span, info);
        // stream input: the chunks were joined into one buffer just before libvips ran
        const buffer = optionsOf(call.thisArg)?.input?.buffer;
        if (Buffer.isBuffer(buffer)) span.setAttribute('inputBytes', buffer.length);
        span.amend(); // the span was copied when the wrapper ended it
      };
      const onError = (error: unknown): void => {
        stream.off('info', onInfo);
        completeLater(span, error);
        span.amend();
      };
      stream.once('info', onInfo);
      stream.once(errorMonitor, onError);
    }
    return result;
  },
  onEnd(call) {
    if (call.failed) return;
    if (call.result === call.thisArg) return; // callback or stream mode: completion comes later
    recordResult(call.span, call.result);
  },
});

/**
 * `metadata()` and `stats()`: they decode (the header, or every pixel for stats)
 * without `_pipeline`. The span keeps the target's name (`sharp.metadata`); the
 * input and any queued operations become attributes. No aroundCall, so the
 * wrapper's own callback handling (`callback: true`) applies.
 */
registerTargetHook('sharp.decode', {
  onStart(call) {
    const options = optionsOf(call.thisArg);
    if (options === undefined) return;
    const { attributes } = describeSharpOptions(options, call.scope.state(BASENAMES));
    for (const key of ['input', 'inputFile', 'inputBytes', 'inputRaw'] as const) {
      const value = attributes[key];
      if (value !== undefined) call.span.setAttribute(key, value);
    }
    noteInputSize(call.scope, call.span.attributes, options);
  },
  onEnd(call) {
    if (!call.failed) recordInfo(call.span, call.result);
  },
});
