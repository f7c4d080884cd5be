import { errorMonitor } from 'node:events';
import { statSync } from 'node:fs';
import path from 'node:path';
import { nowNs } from '../../core/clock.js';
import { deferToReport } from '../../core/deferred.js';
import { reportGuarded } from '../../core/guarded.js';
import { errorToRecord, shareAttributes, type Span } from '../../core/span.js';
import type { Attributes } from '../../core/types.js';
import { hookState, registerTargetHook, type HookScope } from '../../instrument/hook-registry.js';
import type { CallContext } from '../../instrument/wrap.js';

/**
 * sharp hooks. Every sharp output — `toBuffer`, `toFile`, `toUint8Array` and
 * stream output (`_read`) — ends in `Sharp.prototype._pipeline(callback, stack)`,
 * which hands `this.options` (everything queued by resize(), extract(), raw(), …)
 * to libvips. `metadata()` and `stats()` decode the input without going through
 * `_pipeline`. The hook `sharp.pipeline` reads `this.options` once `_pipeline`
 * has handed them to libvips (while libvips works) and names the span after
 * what the pipeline does:
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
  /** sharp ≥ 0.35 keeps `autoOrient()` (and `rotate()` without an angle) as `input.autoOrient`. */
  input?: {
    file?: unknown;
    buffer?: unknown;
    raw?: unknown;
    /** Before sharp 0.35; 0.35 flattens them into `createWidth`… and `textValue`. */
    create?: unknown;
    text?: unknown;
    createWidth?: unknown;
    textValue?: unknown;
    join?: unknown;
    autoOrient?: unknown;
  };
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
  /** sharp 0.35: the inputs of `sharp([a, b], { join })`. */
  join?: unknown;
  formatOut?: string;
  streamOut?: boolean;
  typedArrayOut?: boolean;
}

/** sharp's `canvas` values, as the `fit` names users pass to resize(). */
const FIT_BY_CANVAS: Record<string, string> = { crop: 'cover', embed: 'contain', max: 'inside', min: 'outside', ignore_aspect: 'fill' };

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

/*
 * How geometry reads in attributes and ops: one place for both a fresh
 * description and a label reused for other geometry (`withGeometry`).
 */
const regionText = (left: number | undefined, top: number | undefined, width: number | undefined, height: number | undefined): string =>
  `${left},${top},${width}x${height}`;
const resizeOp = (width: number | undefined, height: number | undefined): string => `resize(${dim(width)}x${dim(height)})`;
const extendText = (top: number | undefined, right: number | undefined, bottom: number | undefined, left: number | undefined): string =>
  `${top ?? 0},${right ?? 0},${bottom ?? 0},${left ?? 0}`;

/** `path.basename(file)`, remembered: the same few paths come back on every call. */
function basenameOf(file: string, basenames: Map<string, string> | undefined): string {
  let base = basenames?.get(file);
  if (base === undefined) {
    base = path.basename(file);
    basenames?.set(file, base);
  }
  return base;
}

/** Where the input comes from, and its size in bytes when that is cheap to know. */
function describeInput(options: SharpOptions, attributes: Attributes, basenames: Map<string, string> | undefined, kind: InputKind): void {
  const input = options.input;
  if (input === undefined || input === null) return;
  switch (kind) {
    case InputKind.File: {
      attributes.input = 'file';
      attributes.inputFile = basenameOf(input.file as string, basenames);
      // inputBytes: not on the call path (a stat measured 2 µs quiet, hundreds under
      // I/O load); `noteInputSize` fills it in when the run is reported.
      break;
    }
    case InputKind.Stream:
      attributes.input = 'stream'; // size known only once the stream has ended
      break;
    case InputKind.Buffer:
      attributes.input = 'buffer';
      attributes.inputBytes = (input.buffer as Buffer).length;
      break;
    case InputKind.Create:
      attributes.input = 'create';
      break;
    case InputKind.Text:
      attributes.input = 'text';
      break;
    case InputKind.Join:
      attributes.input = 'join';
      break;
  }
  if (input.raw !== undefined && input.raw !== null) attributes.inputRaw = true;
}

/**
 * Where a pipeline's input comes from. One place for both the description and
 * the label cache's values (readPipelineValues), so the two cannot disagree;
 * sharp 0.35 moved `create`, `text` and joined inputs to other fields.
 */
function inputKindOf(options: SharpOptions): InputKind {
  const input = options.input;
  if (input === undefined || input === null) return InputKind.None;
  if (typeof input.file === 'string' && input.file !== '') return InputKind.File;
  if (Array.isArray(input.buffer)) return InputKind.Stream;
  if (Buffer.isBuffer(input.buffer)) return InputKind.Buffer;
  if (input.create !== undefined || input.createWidth !== undefined) return InputKind.Create;
  if (input.text !== undefined || input.textValue !== undefined) return InputKind.Text;
  if (input.join !== undefined || Array.isArray(options.join)) return InputKind.Join;
  return InputKind.Other;
}

/**
 * The operations queued on a sharp instance, in libvips's order (pre-resize
 * extract, trim, resize, post-resize extract, rotation, flips, colour), as short
 * call-like words for the span name, plus one attribute per setting.
 */
export function describeSharpOptions(
  options: SharpOptions,
  basenames?: Map<string, string>,
  kind: InputKind = inputKindOf(options),
): { ops: string[]; opGeometry: OpGeometry[]; attributes: Attributes } {
  const ops: string[] = [];
  // Which ops hold the call's geometry (a label reused for another crop rewrites them).
  const opGeometry: OpGeometry[] = [];
  const attributes: Attributes = {};
  const push = (op: string, geometry = OpGeometry.None): void => {
    ops.push(op);
    opGeometry.push(geometry);
  };
  describeInput(options, attributes, basenames, kind);
  if (set(options.widthPre) && set(options.heightPre) && set(options.leftOffsetPre) && set(options.topOffsetPre)) {
    const region = regionText(options.leftOffsetPre, options.topOffsetPre, options.widthPre, options.heightPre);
    push(`extract(${region})`, OpGeometry.ExtractBefore);
    attributes.extract = region;
  }
  if (options.flatten === true) push('flatten');
  if (typeof options.trimThreshold === 'number' && options.trimThreshold >= 0) {
    push('trim');
    attributes.trimThreshold = options.trimThreshold;
  }
  if ((set(options.width) && options.width > 0) || (set(options.height) && options.height > 0)) {
    push(resizeOp(options.width, options.height), OpGeometry.Resize);
    if (set(options.width) && options.width > 0) attributes.resizeWidth = options.width;
    if (set(options.height) && options.height > 0) attributes.resizeHeight = options.height;
    if (typeof options.kernel === 'string') attributes.kernel = options.kernel;
    if (typeof options.canvas === 'string') attributes.fit = FIT_BY_CANVAS[options.canvas] ?? options.canvas;
  }
  if (set(options.widthPost) && set(options.heightPost) && set(options.leftOffsetPost) && set(options.topOffsetPost)) {
    const region = regionText(options.leftOffsetPost, options.topOffsetPost, options.widthPost, options.heightPost);
    push(`extract(${region})`, OpGeometry.ExtractAfter);
    attributes.extractAfterResize = region;
  }
  if ((options.extendTop ?? 0) + (options.extendBottom ?? 0) + (options.extendLeft ?? 0) + (options.extendRight ?? 0) > 0) {
    push('extend');
    attributes.extend = extendText(options.extendTop, options.extendRight, options.extendBottom, options.extendLeft);
  }
  // sharp 0.35's `orientBefore`, else sharp 0.33's `useExifOrientation` (one literal has one of them, see readPipelineValues).
  const orientBefore = options.orientBefore;
  if (orientBefore === true || (orientBefore === undefined && options.useExifOrientation === true) || options.input?.autoOrient === true) {
    push('autoOrient');
    attributes.autoOrient = true;
  }
  const degrees = (options.angle ?? 0) !== 0 ? options.angle! : (options.rotationAngle ?? 0);
  if (degrees !== 0) {
    push(`rotate(${degrees})`);
    attributes.rotateDegrees = degrees;
  }
  if (options.flip === true) {
    push('flip');
    attributes.flip = true;
  }
  if (options.flop === true) {
    push('flop');
    attributes.flop = true;
  }
  for (const [key, word] of FLAG_OPS) {
    if (options[key] === true) {
      push(word);
      attributes[word] = true;
    }
  }
  for (const [key, word] of AMOUNT_OPS) {
    const value = options[key];
    if (typeof value === 'number' && value > 0) {
      push(`${word}(${value})`);
      attributes[word] = value;
    }
  }
  if (typeof options.ensureAlpha === 'number' && options.ensureAlpha >= 0) push('ensureAlpha');
  if (typeof options.extractChannel === 'number' && options.extractChannel >= 0) {
    push(`extractChannel(${options.extractChannel})`);
    attributes.extractChannel = options.extractChannel;
  }
  if (Array.isArray(options.composite) && options.composite.length > 0) {
    push(`composite(${options.composite.length})`);
    attributes.compositeLayers = options.composite.length;
  }
  if (options.greyscale === true) {
    push('greyscale');
    attributes.greyscale = true;
  }
  if (typeof options.colourspace === 'string' && options.colourspace !== 'srgb') {
    push(`toColourspace(${options.colourspace})`);
    attributes.colourspace = options.colourspace;
  }
  if (typeof options.formatOut === 'string' && options.formatOut !== 'input') {
    push(options.formatOut);
  }
  if (typeof options.formatOut === 'string') attributes.format = options.formatOut;
  if (typeof options.fileOut === 'string' && options.fileOut !== '') attributes.outputFile = path.basename(options.fileOut);
  return { ops, opGeometry, attributes };
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

/** What the sharp hooks keep per preset (hook scope). */
interface SharpState extends InputSizes {
  /** `path.basename` of input files: the same few paths come back on every call. */
  basenames: Map<string, string>;
  /** Pipelines labelled lately, see `PipelineLabel`. */
  labels: PipelineLabel[];
  /** Where the next new label goes once `labels` is full (round robin). */
  nextLabel: number;
  /** Pipelines described from their options so far (`sharpPipelinesDescribed`). */
  described: number;
  /** Whether the last label found had the call's geometry too (else its geometry attributes are rewritten). */
  lastExact: boolean;
  /** Index in `labels` of the last label used: a loop repeats one pipeline. */
  lastLabel: number;
}

/** Attribute objects waiting for a size, at most (a server that never reports a run must not grow). */
const MAX_WAITING = 10_000;

const SHARP_STATE = hookState('sharp', (): SharpState => ({
  sizes: new Map(),
  waiting: new Map(),
  waitingCount: 0,
  queued: false,
  basenames: new Map(),
  labels: [],
  described: 0,
  lastExact: false,
  nextLabel: 0,
  lastLabel: 0,
}));

/** The scope's sharp state: one lookup per call (there were two, basenames and sizes). */
function stateOf(scope: HookScope): SharpState {
  return scope.state(SHARP_STATE);
}

/** `inputBytes` for a file input (`file`, the options' `input.file`): at once when the file's size is known, else when the run is reported. */
function noteInputSize(state: InputSizes, attributes: Attributes | null, file: unknown): void {
  if (typeof file !== 'string' || file === '' || attributes === null) return;
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

/**
 * A pipeline already labelled: everything `describeSharpOptions` and the name
 * depend on (`values`, read by `readPipelineValues`), and what they gave. A
 * call whose values are all the same gets the same name string (already
 * interned: the recorder does not hash it again) and a copy of `attributes`.
 * A call that differs only in its geometry (where it crops, the sizes, the
 * input file: `GEOMETRY_SLOTS`), but has the same geometry shape, gets the
 * same name and a copy with those values rewritten. Any other call is
 * described from its own options. So a loop that repeats one pipeline pays
 * for reading its options (30-odd fields, see readPipelineValues) and one
 * object copy, one that crops every text line of a page for a second scan of
 * the labels and the region and ops strings as well, and a call's attributes
 * are always those its own options give (issue
 * "Cost of observation": derive names and attributes once per pipeline shape).
 */
interface PipelineLabel {
  /** The values of the first call labelled with it (`readPipelineValues`). */
  readonly values: unknown[];
  /** Which geometry it has (`geometryShape`): calls of one shape differ only in the values of `GEOMETRY_SLOTS`. */
  readonly shape: number;
  readonly name: string;
  /** The recorder's id of `name` (the span's `nameId`). */
  readonly nameId: number;
  /** The attributes `label` gave the first such call, before `inputBytes` of a file: copied per call, never handed out. */
  readonly attributes: Attributes;
  /** That call's ops, and which of them show its geometry (rewritten for a call with other geometry). */
  readonly ops: readonly string[];
  readonly opGeometry: readonly OpGeometry[];
  /** What the calls with exactly these values share (`SharedLabel`), made at the second such call. */
  shared: SharedLabel | null;
}

/**
 * The attributes of a pipeline repeated exactly, shared by every such call's
 * span (`shareAttributes`: Span.setAttribute copies before a change): `start`
 * as `label` gives them, with the input file's size (at once when known, else
 * filled in when the run is reported, as for a call's own object: the same
 * size for every span that holds them), `full` with the `outputBytes` of a
 * call that returned a buffer of `fullBytes`. A loop
 * that repeats one pipeline then copies no object and makes no property
 * transitions per call: measured in the paired resize loop (Node 24), the
 * part of afterCall after finding the label took about 4 µs a call, the
 * reading of the options 6–7 µs and finding the label 2.5 µs.
 */
interface SharedLabel {
  readonly start: Attributes;
  full: Attributes | null;
  fullBytes: number;
  /** The input file (slot 2 of a file input), whose size `full` gets too. */
  readonly file: string | undefined;
}

/** Labels kept per preset: a few pipelines in turn (thumbnail, model input) all hit; more only cost a scan. */
const MAX_LABELS = 8;

/** How `readPipelineValues` sums up `options.input` (what `describeInput` decides on). */
const enum InputKind {
  None = 0,
  File = 1,
  Stream = 2,
  Buffer = 3,
  Create = 4,
  Text = 5,
  Join = 6,
  Other = 7,
}

/** What part of a call's geometry an op of `describeSharpOptions` shows (None: the op is the same for every call of its shape). */
const enum OpGeometry {
  None = 0,
  ExtractBefore = 1,
  Resize = 2,
  ExtractAfter = 3,
}

/** Slots written by `readPipelineValues`. */
const PIPELINE_VALUES = 44;

/** One call's values, reused from call to call (copied only into a new label). */
const pipelineValues: unknown[] = new Array<unknown>(PIPELINE_VALUES).fill(undefined);

/**
 * Every value `describeSharpOptions` reads, plus the output method (which sums
 * up `fileOut`, `typedArrayOut`, `streamOut` and the callback), into `out`.
 * Must read all it reads: a field left out here would let one call's
 * attributes be given to another call that differs only there (the tests
 * compare both on varied options).
 *
 * Each read here costs a full property lookup: sharp's options object is one
 * literal of 183 properties (0.35), and V8 gives every object made by a literal
 * of 128 properties or more a hidden class of its own (Node 22 and 24), so no
 * inline cache ever hits (measured on fresh sharp instances, Node 24: ~50 ns a
 * field, 1.6–3.1 µs for all 44). So a value describing cannot depend on is not
 * read: the other three sides of an extract
 * region whose width is unset, kernel and fit without a resize, the second
 * rotation angle when the first is set, and `useExifOrientation` (sharp 0.33)
 * when `orientBefore` (sharp 0.35) exists. Those slots hold `undefined`, so
 * calls that differ only there share a label, as their descriptions are equal.
 * Returns the output method.
 */
function readPipelineValues(options: SharpOptions, callbackGiven: boolean, kind: InputKind, out: unknown[]): string {
  const fileOut = options.fileOut;
  const method =
    typeof fileOut === 'string' && fileOut !== ''
      ? 'toFile'
      : options.typedArrayOut === true
        ? 'toUint8Array'
        : options.streamOut === true && !callbackGiven
          ? 'stream'
          : 'toBuffer';
  out[0] = method;
  const input = options.input;
  out[1] = kind;
  const source = kind === InputKind.File ? input!.file : kind === InputKind.Buffer ? (input!.buffer as Buffer).length : undefined;
  const raw = input !== undefined && input !== null && input.raw !== undefined && input.raw !== null;
  out[2] = source;
  out[3] = raw;
  const width = options.width;
  const height = options.height;
  out[4] = width;
  out[5] = height;
  const resized = (set(width) && width > 0) || (set(height) && height > 0);
  out[6] = resized ? options.kernel : undefined;
  out[7] = resized ? options.canvas : undefined;
  readRegion(options, PRE_RESIZE_REGION, 8, out);
  readRegion(options, POST_RESIZE_REGION, 12, out);
  const angle = options.angle;
  out[16] = angle;
  out[17] = (angle ?? 0) !== 0 ? undefined : options.rotationAngle;
  const orientBefore = options.orientBefore;
  out[18] = orientBefore;
  out[19] = orientBefore === undefined ? options.useExifOrientation : undefined;
  out[20] = options.flip;
  out[21] = options.flop;
  out[22] = options.greyscale;
  out[23] = options.flatten;
  out[24] = options.trimThreshold;
  out[25] = options.extendTop;
  out[26] = options.extendBottom;
  out[27] = options.extendLeft;
  out[28] = options.extendRight;
  out[29] = options.blurSigma;
  out[30] = options.sharpenSigma;
  out[31] = options.medianSize;
  out[32] = options.threshold;
  out[33] = options.normalise;
  out[34] = options.negate;
  out[35] = options.gamma;
  out[36] = options.removeAlpha;
  out[37] = options.ensureAlpha;
  out[38] = options.extractChannel;
  out[39] = options.colourspace;
  const composite = options.composite;
  out[40] = Array.isArray(composite) ? composite.length : -1;
  out[41] = fileOut;
  out[42] = options.formatOut;
  out[43] = input?.autoOrient;
  return method;
}

/** The option names of an extract region: top, left, width, height. */
type RegionKeys = readonly ['topOffsetPre' | 'topOffsetPost', 'leftOffsetPre' | 'leftOffsetPost', 'widthPre' | 'widthPost', 'heightPre' | 'heightPost'];
const PRE_RESIZE_REGION: RegionKeys = ['topOffsetPre', 'leftOffsetPre', 'widthPre', 'heightPre'];
const POST_RESIZE_REGION: RegionKeys = ['topOffsetPost', 'leftOffsetPost', 'widthPost', 'heightPost'];

/**
 * An extract region into `out[first…first+3]` (top, left, width, height), its
 * other sides read only when its width is set: describing leaves a region
 * without one out. (Keys passed by name cost about what names written out do,
 * within the noise on fresh instances, Node 22 and 24: no inline cache hits on
 * sharp's options either way, see readPipelineValues.)
 */
function readRegion(options: SharpOptions, keys: RegionKeys, first: number, out: unknown[]): void {
  const width = options[keys[2]];
  const given = set(width);
  out[first] = given ? options[keys[0]] : undefined;
  out[first + 1] = given ? options[keys[1]] : undefined;
  out[first + 2] = width;
  out[first + 3] = given ? options[keys[3]] : undefined;
}

/** `Object.is`, inlined: NaN equals NaN (a NaN option still hits), 0 and -0 differ (an attribute keeps the sign it was given). */
function sameValue(a: unknown, b: unknown): boolean {
  return a === b ? a !== 0 || 1 / (a as number) === 1 / (b as number) : a !== a && b !== b;
}

/**
 * Slots of `readPipelineValues` that hold a call's geometry: the input file or
 * buffer size, the resize dimensions, both extract regions and the extend
 * widths. They show in attributes and in `ops`, never in the name: an OCR
 * pipeline crops every text line at a new place, and each crop must not cost
 * a new description (measured in a traced loop of 1,500 crops, 24 µs of hook
 * time a call against 8.6 µs for one crop repeated).
 */
const GEOMETRY_SLOTS: readonly number[] = [2, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15, 25, 26, 27, 28];

const positive = (value: unknown): boolean => typeof value === 'number' && value > 0;
const region = (values: unknown[], first: number): boolean =>
  set(values[first] as number) && set(values[first + 1] as number) && set(values[first + 2] as number) && set(values[first + 3] as number);

/**
 * Which geometry a call has, as `describeSharpOptions` decides it: a resize
 * width and height, an extract before and after the resize, an extend. Calls
 * of one shape (and equal other values) get the same name and the same
 * attribute keys in the same order; only the geometry's values differ. (The
 * input's kind, slot 1, decides whether `inputFile` or `inputBytes` is there.)
 */
function geometryShape(values: unknown[]): number {
  const extend =
    ((values[25] as number | undefined) ?? 0) +
      ((values[26] as number | undefined) ?? 0) +
      ((values[27] as number | undefined) ?? 0) +
      ((values[28] as number | undefined) ?? 0) >
    0;
  return (positive(values[4]) ? 1 : 0) | (positive(values[5]) ? 2 : 0) | (region(values, 8) ? 4 : 0) | (region(values, 12) ? 8 : 0) | (extend ? 16 : 0);
}

/** 1 for the slots in `GEOMETRY_SLOTS`. */
const IS_GEOMETRY = new Uint8Array(PIPELINE_VALUES);
for (const slot of GEOMETRY_SLOTS) IS_GEOMETRY[slot] = 1;

/**
 * The label for `values`: one with all values equal (`state.lastExact`), else
 * one of the same shape (`geometryShape`, the values outside GEOMETRY_SLOTS
 * equal). Two passes, so that a loop repeating one pipeline pays what it paid
 * before shapes were kept: one scan of the values, from the label it used last.
 */
function findLabel(state: SharpState, values: unknown[]): PipelineLabel | undefined {
  const labels = state.labels;
  const count = labels.length;
  for (let tried = 0; tried < count; tried++) {
    const index = (state.lastLabel + tried) % count;
    const known = labels[index]!.values;
    let same = true;
    for (let slot = 0; slot < PIPELINE_VALUES; slot++) {
      if (!sameValue(known[slot], values[slot])) {
        same = false;
        break;
      }
    }
    if (same) {
      state.lastLabel = index;
      state.lastExact = true;
      return labels[index];
    }
  }
  const shape = geometryShape(values);
  for (let tried = 0; tried < count; tried++) {
    const index = (state.lastLabel + tried) % count;
    const label = labels[index]!;
    if (label.shape !== shape) continue;
    const known = label.values;
    let same = true;
    for (let slot = 0; slot < PIPELINE_VALUES; slot++) {
      if (IS_GEOMETRY[slot] === 0 && !sameValue(known[slot], values[slot])) {
        same = false;
        break;
      }
    }
    if (same) {
      state.lastLabel = index;
      state.lastExact = false;
      return label;
    }
  }
  return undefined;
}

/** The extract region whose first slot (top) is `first` in `readPipelineValues`'s values. */
function regionOfSlots(values: unknown[], first: number): string {
  return regionText(values[first + 1] as number, values[first] as number, values[first + 2] as number, values[first + 3] as number);
}

/**
 * A copy of a label's attributes for a call of the same shape but other
 * geometry: the geometry's values rewritten where the label has them (same
 * keys, same order), as describing the call would give.
 */
function withGeometry(attributes: Attributes, label: PipelineLabel, values: unknown[], basenames: Map<string, string>): Attributes {
  const kind = values[1] as InputKind;
  if (kind === InputKind.File) attributes.inputFile = basenameOf(values[2] as string, basenames);
  else if (kind === InputKind.Buffer) attributes.inputBytes = values[2] as number;
  if (attributes.extract !== undefined) attributes.extract = regionOfSlots(values, 8);
  if (attributes.resizeWidth !== undefined) attributes.resizeWidth = values[4] as number;
  if (attributes.resizeHeight !== undefined) attributes.resizeHeight = values[5] as number;
  if (attributes.extractAfterResize !== undefined) attributes.extractAfterResize = regionOfSlots(values, 12);
  if (attributes.extend !== undefined) {
    const side = (slot: number): number | undefined => values[slot] as number | undefined;
    attributes.extend = extendText(side(25), side(28), side(26), side(27));
  }
  if (attributes.ops !== undefined) {
    let ops = '';
    for (let index = 0; index < label.ops.length; index++) {
      const geometry = label.opGeometry[index];
      const op =
        geometry === OpGeometry.ExtractBefore
          ? `extract(${regionOfSlots(values, 8)})`
          : geometry === OpGeometry.Resize
            ? resizeOp(values[4] as number, values[5] as number)
            : geometry === OpGeometry.ExtractAfter
              ? `extract(${regionOfSlots(values, 12)})`
              : label.ops[index]!;
      ops = index === 0 ? op : `${ops} ${op}`;
    }
    attributes.ops = ops;
  }
  return attributes;
}

/**
 * Name the span and give it the pipeline's attributes. On the app's call path
 * (every toBuffer): a pipeline seen before (all values equal, `PipelineLabel`)
 * costs reading its options and one object copy; a new one is described and
 * kept for the next calls.
 */
function label(call: CallContext, options: SharpOptions, kind: InputKind): void {
  const state = stateOf(call.scope);
  const span = call.span;
  const method = readPipelineValues(options, typeof call.args[0] === 'function', kind, pipelineValues);
  let known = findLabel(state, pipelineValues);
  if (known !== undefined && state.lastExact && span.attributes === null) {
    shareLabel(call, state, known, kind);
    return;
  }
  let attributes: Attributes;
  if (known !== undefined) {
    // The span's own object, with the same keys in the same order as describing would give.
    attributes = state.lastExact ? { ...known.attributes } : withGeometry({ ...known.attributes }, known, pipelineValues, state.basenames);
  } else {
    const described = describePipeline(method, options, state.basenames, kind);
    state.described++;
    attributes = described.attributes;
    known = {
      values: pipelineValues.slice(),
      shape: geometryShape(pipelineValues),
      name: described.name,
      nameId: call.scope.tracer.recorder.intern(described.name),
      attributes: { ...attributes },
      ops: described.ops,
      opGeometry: described.opGeometry,
      shared: null,
    };
    if (state.labels.length < MAX_LABELS) state.labels.push(known);
    else state.labels[state.nextLabel] = known;
    state.lastLabel = state.labels.indexOf(known);
    state.nextLabel = (state.nextLabel + 1) % MAX_LABELS;
  }
  span.name = known.name;
  span.nameId = known.nameId;
  // The label's keys first, as when it was made before anything else: then
  // what the call set already (`pending`, while a callback or stream is due).
  span.attributes = span.attributes === null ? attributes : Object.assign(attributes, span.attributes);
  // The input file as read for the label (slot 2 of a file input): not read again.
  noteInputSize(state, span.attributes, kind === InputKind.File ? pipelineValues[2] : undefined);
}

/**
 * A call that repeats `known` exactly, on a span with no attributes yet: give
 * it the label's shared attributes (made now if this is the label's second
 * call), and keep them on the call for onEnd.
 */
function shareLabel(call: CallContext, state: SharpState, known: PipelineLabel, kind: InputKind): void {
  let shared = known.shared;
  if (shared === null) {
    const file = kind === InputKind.File ? (pipelineValues[2] as string) : undefined;
    const start = shareAttributes({ ...known.attributes });
    noteInputSize(state, start, file);
    shared = known.shared = { start, full: null, fullBytes: -1, file };
  }
  const span = call.span;
  span.name = known.name;
  span.nameId = known.nameId;
  span.attributes = shared.start;
  call.data = shared; // for onEnd (afterCall was the last to read the input kind)
}

/** A shared label's attributes with `outputBytes`, shared while it is the same. */
function sharedWithOutput(state: SharpState, shared: SharedLabel, bytes: number): Attributes {
  if (shared.full === null || shared.fullBytes !== bytes) {
    shared.full = shareAttributes({ ...shared.start, outputBytes: bytes });
    shared.fullBytes = bytes;
    // A size still unknown is filled in when the run is reported, after the output's, as on a call's own object.
    if (shared.start.inputBytes === undefined) noteInputSize(state, shared.full, shared.file);
  }
  return shared.full;
}

/**
 * The span name and attributes of one pipeline, from its options. The name
 * keeps the operations but drops extract/resize geometry (see the file's
 * comment), built without regexes.
 */
function describePipeline(
  method: string,
  options: SharpOptions,
  basenames: Map<string, string>,
  kind: InputKind,
): { name: string; attributes: Attributes; ops: string[]; opGeometry: OpGeometry[] } {
  const { ops, opGeometry, attributes } = describeSharpOptions(options, basenames, kind);
  let stable = '';
  for (let index = 0; index < ops.length; index++) {
    const geometry = opGeometry[index];
    const base = geometry === OpGeometry.Resize ? 'resize' : geometry === OpGeometry.None ? ops[index]! : 'extract';
    stable = stable === '' ? base : `${stable} ${base}`;
  }
  if (ops.length > 0) attributes.ops = ops.join(' ');
  attributes.output = method;
  return { name: stable === '' ? `sharp.${method}` : `sharp.${method} ${stable}`, attributes, ops, opGeometry };
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

/**
 * Stream output: `_pipeline` returned at once and libvips works on; the span
 * ends at sharp's 'info' event (or an error), see `completeLater`.
 */
function watchOutputStream(call: CallContext): void {
  const options = optionsOf(call.thisArg);
  const emitter = call.thisArg as { once?: unknown; off?: unknown } | null;
  if (options?.streamOut !== true || typeof emitter?.once !== 'function' || typeof emitter.off !== 'function') return;
  watchStream(call.span, call.thisArg as NodeJS.EventEmitter);
}

/**
 * The listeners of `watchOutputStream`, made here: a function that makes
 * closures over its locals gets a context object on every call (~40 bytes on
 * Node 24), and every promise-mode `_pipeline` call runs the check above.
 */
function watchStream(span: Span, stream: NodeJS.EventEmitter): void {
  span.setAttribute('pending', true);
  // 'info' is emitted when libvips is done; errorMonitor observes 'error'
  // without handling it, so an unhandled stream error still crashes as before.
  const onInfo = (info: unknown): void => {
    stream.off(errorMonitor, onError);
    completeLater(span, undefined);
    recordInfo(span, info);
    // stream input: the chunks were joined into one buffer just before libvips ran
    const buffer = optionsOf(stream)?.input?.buffer;
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

/**
 * Callback mode: sharp's callback, observed (its span ends where libvips
 * finished). Same `this`, same arguments, same return value. Made here, not in
 * aroundCall, which would otherwise get a context object on every call (see
 * `watchStream`).
 */
function observedCallback(span: Span, callback: (...results: unknown[]) => unknown): (...results: unknown[]) => unknown {
  return function (this: unknown, ...results: unknown[]): unknown {
    try {
      completeLater(span, results[0]);
      if (results[0] === null || results[0] === undefined) recordInfo(span, results[2]);
      span.amend(); // the span was copied when the wrapper ended it
    } catch {
      // never let bookkeeping reach sharp's callback chain
    }
    return Reflect.apply(callback, this, results);
  };
}

/** How many pipelines the hooks of `scope` have described from their options (the rest reused a label): what the tests pin. */
export function sharpPipelinesDescribed(scope: HookScope): number {
  return stateOf(scope).described;
}

/**
 * `Sharp.prototype._pipeline(callback, stack)`: toBuffer, toFile, toUint8Array,
 * stream output. The span is named (`label`) after `_pipeline` has handed the
 * options to libvips (afterCall), so that reading them runs on the main thread
 * while libvips works on its own, not before it starts: measured paired in one
 * process, a few µs of a sharp call's added time (issue "Cost of observation").
 * `_pipeline` does not change the options, except that it joins a finished
 * input stream's chunks into one buffer: where the input comes from is read
 * before the call (`call.data`).
 */
registerTargetHook('sharp.pipeline', {
  aroundCall(call, invoke) {
    const span = call.span;
    try {
      const before = optionsOf(call.thisArg);
      if (before !== undefined) call.data = inputKindOf(before);
    } catch (error) {
      // Not the app's to see (aroundCall runs in the app's call): the span keeps the target's name.
      reportGuarded('SS_HOOK_FAILED', 'hook aroundCall for target sharp.pipeline could not read the options', error);
    }
    const callback = call.args[0];
    if (typeof callback === 'function') {
      span.setAttribute('pending', true);
      const args = call.args.slice();
      args[0] = observedCallback(span, callback as (...results: unknown[]) => unknown);
      return invoke(args);
    }
    const result = invoke(call.args);
    // After the call: whatever goes wrong here is ours, and the app gets its result.
    try {
      watchOutputStream(call);
    } catch (error) {
      reportGuarded('SS_HOOK_FAILED', 'hook aroundCall for target sharp.pipeline could not watch the output stream', error);
    }
    return result;
  },
  afterCall(call) {
    const options = optionsOf(call.thisArg);
    if (options !== undefined && call.data !== undefined) {
      label(call, options, call.data as InputKind);
    }
  },
  onEnd(call) {
    if (call.failed) return;
    if (call.result === call.thisArg) return; // callback or stream mode: completion comes later
    const span = call.span;
    const shared = call.data as SharedLabel | InputKind | undefined;
    if (typeof shared === 'object' && span.attributes === shared.start && (Buffer.isBuffer(call.result) || call.result instanceof Uint8Array)) {
      span.attributes = sharedWithOutput(stateOf(call.scope), shared, call.result.byteLength);
      return;
    }
    recordResult(span, call.result);
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
    const state = stateOf(call.scope);
    const { attributes } = describeSharpOptions(options, state.basenames);
    for (const key of ['input', 'inputFile', 'inputBytes', 'inputRaw'] as const) {
      const value = attributes[key];
      if (value !== undefined) call.span.setAttribute(key, value);
    }
    noteInputSize(state, call.span.attributes, options.input?.file);
  },
  onEnd(call) {
    if (!call.failed) recordInfo(call.span, call.result);
  },
});
