import path from 'node:path';
import type { Stage } from '../core/types.js';

/**
 * Built-in guesses: which pipeline stage a model plays, from its file name.
 * Families are matched on whole name parts (split on anything that is not a
 * letter or digit), by prefix, so `yolov8n` is YOLO and `resnet50` is ResNet,
 * but `record.onnx` is not recognition. Detection, then recognition, are
 * checked before classification because detectors and recognizers are often
 * named after their classification backbone (`ssd_mobilenet_v2`, `crnn_resnet34`).
 */
const DETECTION_PREFIXES = [
  'detect',
  'yolo',
  'ssd',
  'retinaface',
  'retinanet',
  'rcnn',
  'fasterrcnn',
  'maskrcnn',
  'efficientdet',
  'rtdetr',
  'blazeface',
  'scrfd',
  'centerface',
  'centernet',
  'ultraface',
  'mtcnn',
  'dbnet',
  'craft',
  'yunet',
  'rtmdet',
  'damoyolo',
];
const DETECTION_EXACT = ['det', 'detr', 'east', 'db', 'dbpp', 'fcos', 'ppyoloe'];
const CLASSIFICATION_PREFIXES = [
  'classif',
  'angle',
  'resnet',
  'resnext',
  'mobilenet',
  'efficientnet',
  'vgg',
  'inception',
  'densenet',
  'squeezenet',
  'shufflenet',
  'googlenet',
  'alexnet',
  'convnext',
  'regnet',
  'mnasnet',
  'ghostnet',
  'deit',
  'emotion',
  'expression',
  'gender',
];
const CLASSIFICATION_EXACT = ['cls', 'vit', 'swin', 'age'];
const RECOGNITION_PREFIXES = ['recogn', 'crnn', 'svtr', 'parseq', 'trocr', 'abinet', 'arcface', 'facenet', 'sface', 'lprnet', 'insightface'];
const RECOGNITION_EXACT = ['rec'];
/** Words that name the task itself, checked before the model families. */
const TASK_WORDS: readonly [Stage, readonly string[], readonly string[]][] = [
  ['detection', ['detect'], ['det']],
  ['recognition', ['recogn'], ['rec']],
  ['classification', ['classif'], ['cls']],
];
/** Glued names (`plateDetector`, `digitclassifier`) still say what they are at their end. */
const SUFFIXES: readonly [string, Stage][] = [
  ['detector', 'detection'],
  ['detection', 'detection'],
  ['classifier', 'classification'],
  ['classification', 'classification'],
  ['recognizer', 'recognition'],
  ['recognition', 'recognition'],
];

/** The file extensions a model's name loses before it is split (one, at the end). */
const MODEL_EXTENSIONS = ['.onnx', '.ort', '.json', '.bin', '.pb', '.tflite'];

function withoutModelExtension(base: string): string {
  for (const extension of MODEL_EXTENSIONS) if (base.endsWith(extension)) return base.slice(0, -extension.length);
  return base;
}

/**
 * The runs of `a`–`z` and `0`–`9` in a lower-cased name, in order. String
 * tests, not regular expressions: this runs in the hooks of a process's first
 * model calls, where V8 compiles a pattern at its first use and again at its
 * second. The two this replaced (the extension and the split) took 85–130 µs
 * together at their first use and 20–40 µs at their second, against about
 * 2 µs later (Node 22 and 24, fresh processes).
 */
function nameParts(text: string): string[] {
  const parts: string[] = [];
  let start = -1;
  for (let index = 0; index <= text.length; index++) {
    const code = index < text.length ? text.charCodeAt(index) : -1;
    const inWord = (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
    if (inWord) {
      if (start < 0) start = index;
    } else if (start >= 0) {
      parts.push(text.slice(start, index));
      start = -1;
    }
  }
  return parts;
}

function matches(parts: readonly string[], prefixes: readonly string[], exact: readonly string[]): boolean {
  return parts.some((part) => exact.includes(part) || prefixes.some((prefix) => part.startsWith(prefix)));
}

/**
 * The pipeline stage a model plays, from its file name: PaddleOCR's `*_det_*`,
 * `*_cls_*`, `*_rec_*`; detect/classif/recogn words; and common families —
 * detection: YOLO, SSD, RetinaFace/RetinaNet, R-CNN, DETR, EfficientDet,
 * BlazeFace, SCRFD, MTCNN, DBNet, EAST, CRAFT…; classification: ResNet,
 * MobileNet, EfficientNet, VGG, Inception, DenseNet, ConvNeXt, ViT…;
 * recognition: CRNN, SVTR, PARSeq, TrOCR, ArcFace, FaceNet, LPRNet…
 * Null when nothing matches (give it a stage with a `models:` rule).
 */
export function stageFromModelName(name: string): Stage | null {
  const parts = nameParts(withoutModelExtension(path.basename(name).toLowerCase()));
  // A task word beats a family name: `yolov8n-cls` is YOLO's classifier, `resnet50_det` a detector.
  for (const [stage, prefixes, exact] of TASK_WORDS) if (matches(parts, prefixes, exact)) return stage;
  if (matches(parts, DETECTION_PREFIXES, DETECTION_EXACT)) return 'detection';
  // Recognition before classification: recognizers are named after their backbone too (`crnn_mobilenet_v3`, `arcface_resnet100`).
  if (matches(parts, RECOGNITION_PREFIXES, RECOGNITION_EXACT)) return 'recognition';
  if (matches(parts, CLASSIFICATION_PREFIXES, CLASSIFICATION_EXACT)) return 'classification';
  for (const [suffix, stage] of SUFFIXES) if (parts.some((part) => part.endsWith(suffix))) return stage;
  return null;
}

/** A short label for a model given as a path, URL, or bytes. */
export function modelLabel(source: unknown): { label: string; path: string | null } {
  if (typeof source === 'string') return { label: path.basename(source), path: source };
  if (source instanceof URL) return { label: path.basename(source.pathname), path: source.href };
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    return { label: `<${(source as ArrayBufferLike).byteLength} bytes>`, path: null };
  }
  return { label: '<model>', path: null };
}
