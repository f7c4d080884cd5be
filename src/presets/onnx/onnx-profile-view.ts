import type { RunDocument } from '../../core/run-document.js';
import type { SpanRecord } from '../../core/types.js';
import { KERNEL_TARGET } from './onnx-profiler.js';

/**
 * The text-tree view of a run with op-level drill-down. A PP-OCR detection run
 * executes hundreds of kernels; listing them all buries the pipeline. The view
 * keeps, under each `run` span, only its `kernelsPerRun` slowest kernels (in
 * time order), and the annotation says how many there were and where the time
 * went by op type. The run document itself keeps every kernel. Pure.
 */
export function onnxOpsTreeView(doc: RunDocument, kernelsPerRun: number): RunDocument {
  const kernelsByRun = new Map<string, SpanRecord[]>();
  for (const span of doc.spans) {
    if (span.target !== KERNEL_TARGET || span.parentId === null) continue;
    let list = kernelsByRun.get(span.parentId);
    if (list === undefined) kernelsByRun.set(span.parentId, (list = []));
    list.push(span);
  }
  const kept = new Set<string>();
  for (const list of kernelsByRun.values()) {
    for (const span of [...list].sort((a, b) => b.durationNs - a.durationNs).slice(0, kernelsPerRun)) kept.add(span.id);
  }
  return { ...doc, spans: doc.spans.filter((span) => span.target !== KERNEL_TARGET || kept.has(span.id)) };
}

/**
 * Annotation for the text tree: on a profiled run, where its time went by op
 * type; on a kernel, its node name and output shape.
 *
 *   InferenceSession.run det.onnx [detection] (95.1 ms)  ops: Conv 48% · Add 30% · 12 more | 400 kernels = 90% of the run, 3 slowest shown
 */
export function annotateOnnxOps(span: SpanRecord, kernelsPerRun: number): string {
  if (span.target === KERNEL_TARGET) {
    const { node, outputShapes } = span.attributes;
    const parts: string[] = [];
    if (typeof node === 'string') parts.push(node);
    if (typeof outputShapes === 'string' && outputShapes !== '') parts.push(`→ ${outputShapes}`);
    return parts.join(' ');
  }
  const ops = span.attributes.opShares;
  if (typeof ops !== 'string') return '';
  const kernels = span.metrics.kernels ?? 0;
  const kernelNs = span.metrics.kernelNs ?? 0;
  const shown = Math.min(kernels, kernelsPerRun);
  const clamped = span.attributes.clampedKernels;
  const share = span.durationNs > 0 ? Math.round((100 * kernelNs) / span.durationNs) : 0;
  let text = `ops: ${ops} | ${kernels} kernel${kernels === 1 ? '' : 's'} = ${share}% of the run`;
  if (span.attributes.kernelsLeftOut === true) text += ', not kept (span buffer full)';
  else if (shown > 0 && shown < kernels) text += `, ${shown} slowest shown`;
  if (typeof clamped === 'number') text += `, ${clamped} clamped into the run`;
  return text;
}
