import path from 'node:path';
import type { Stage } from '../core/types.js';

/**
 * The pipeline stage a model plays, from its file name: PaddleOCR names its models
 * `*_det_*`, `*_cls_*`, `*_rec_*`; others say detect/classif/recogn. Only whole
 * name parts count, so "record.onnx" is not recognition.
 */
export function stageFromModelName(name: string): Stage | null {
  const parts = path.basename(name).toLowerCase().split(/[^a-z0-9]+/);
  const has = (...words: string[]): boolean => parts.some((part) => words.some((word) => part === word || part.startsWith(word)));
  if (parts.some((part) => part === 'det') || has('detect', 'detector')) return 'detection';
  if (parts.some((part) => part === 'cls') || has('classif', 'classifier', 'angle')) return 'classification';
  if (parts.some((part) => part === 'rec') || has('recogn')) return 'recognition';
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
