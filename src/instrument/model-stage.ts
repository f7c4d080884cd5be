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
  const base = path
    .basename(name)
    .toLowerCase()
    .replace(/\.(onnx|ort|json|bin|pb|tflite)$/, '');
  const parts = base.split(/[^a-z0-9]+/).filter((part) => part !== '');
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
