import type { RunDocument } from '../core/run-document.js';
import { STAGES, type Stage } from '../core/types.js';
import { buildTree, type TreeNode } from '../render/span-tree.js';

/** What a comparison row measures. */
export type MeasureKind = 'total' | 'stage' | 'path';

/** One measured thing in one run: the whole run, a stage, or a call path. */
/** What a row of a comparison or bench table is about (shared by both). */
export interface MeasureIdentity {
  /** Stable key used to align two runs: `total`, `stage:recognition`, `path:run/InferenceSession.run rec.onnx`. */
  key: string;
  kind: MeasureKind;
  /** Display name: the stage, or the last span name of the path. */
  label: string;
  /** Span names from the root to this call site (paths only; `[]` otherwise). */
  names: string[];
  /** Depth in the call tree (0 = the run root; stages and total are 0). */
  depth: number;
  stage: Stage | null;
}

export interface Measure extends MeasureIdentity {
  /** Sum of the durations of the calls (wall time; concurrent calls add up). */
  durationNs: number;
  /** Sum of the calls' self time (paths only; equal to durationNs for stages). */
  selfNs: number;
  calls: number;
  /** Start of the first call, for ordering rows like the tree. */
  firstStartNs: number;
}

/** Separator inside path keys; a span name containing it still yields a unique key because names are JSON-quoted. */
const PATH_KEY_PREFIX = 'path:';

/**
 * Call paths deeper than this many levels below the root are one row per
 * deepest kept path, labelled {@link DEEPER_CALLS}: every path's key and name
 * list hold all its names, so 20,000 nested spans (an async recursion through
 * a traced function) would need gigabytes (length grows with the square of
 * the depth), and a table of 20,000 indented rows says nothing more.
 */
export const MAX_PATH_DEPTH = 64;
/** The name of the row that holds a path's calls past {@link MAX_PATH_DEPTH}. */
export const DEEPER_CALLS = '… deeper calls';

export function pathKey(names: readonly string[]): string {
  return PATH_KEY_PREFIX + JSON.stringify(names);
}

/**
 * Everything `compare` aligns, measured in one run:
 *
 * - `total`: the run's duration;
 * - one `stage:<stage>` per stage present: the summed self time of the
 *   spans of that stage, where a span without a stage belongs to the stage
 *   of its nearest ancestor that has one. Self time, so nothing is counted
 *   twice: tesseract's `worker.recognize` [recognition] containing a layout
 *   analysis [detection] child gives each stage its own share. Time outside
 *   any stage (the script's own code between traced calls) is `stage:none`;
 * - one `path:` entry per call path root → … → name, aggregating every call
 *   with that path (the onnx preset puts the model file in the span name, so
 *   `InferenceSession.run ch_PP-OCRv4_rec_infer.onnx` is one path per model).
 *
 * Returned in display order: total, stages in pipeline order, then paths in
 * tree order (depth first, siblings by first start).
 */
export function measureRun(doc: Pick<RunDocument, 'spans' | 'durationNs'>): Measure[] {
  const roots = buildTree(doc);
  const paths = new Map<string, Measure>();
  const stageTotals = new Map<Stage | 'none', { durationNs: number; calls: number; firstStartNs: number }>();
  const order: string[] = [];

  // An explicit stack, not recursion: a run can nest thousands of spans (an async
  // recursion through a traced function) and must not overflow the call stack.
  // Each entry carries its parent's path; keys grow by appending one quoted name.
  interface Frame {
    node: TreeNode;
    parentNames: readonly string[];
    parentKeyBody: string;
    parentStage: Stage | 'none' | undefined;
    /** Inside a subtree past MAX_PATH_DEPTH: the DEEPER_CALLS row that holds it. */
    deeper: Measure | undefined;
  }
  const stack: Frame[] = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push({ node: roots[i]!, parentNames: [], parentKeyBody: '', parentStage: undefined, deeper: undefined });
  while (stack.length > 0) {
    const { node, parentNames, parentKeyBody, parentStage, deeper } = stack.pop()!;
    const { span } = node;
    // The top span of a subtree past the depth limit opens its DEEPER_CALLS row; its descendants join it.
    const opensDeeper = deeper === undefined && parentNames.length > MAX_PATH_DEPTH;
    const name = opensDeeper ? DEEPER_CALLS : span.name;
    const keyBody = deeper !== undefined ? parentKeyBody : parentKeyBody === '' ? JSON.stringify(name) : `${parentKeyBody},${JSON.stringify(name)}`;
    const key = `${PATH_KEY_PREFIX}[${keyBody}]`; // equals pathKey(names)
    let measure = deeper ?? paths.get(key);
    const names = measure?.names ?? [...parentNames, name];
    if (measure === undefined) {
      measure = {
        key,
        kind: 'path',
        label: name,
        names,
        depth: names.length - 1,
        stage: span.stage,
        durationNs: 0,
        selfNs: 0,
        calls: 0,
        firstStartNs: span.startNs,
      };
      paths.set(key, measure);
      order.push(key);
    }
    // A DEEPER_CALLS row's duration is its top spans' (their descendants run inside them); self time and calls count every span.
    if (deeper === undefined) measure.durationNs += span.durationNs;
    measure.selfNs += span.selfNs;
    measure.calls += 1;
    measure.firstStartNs = Math.min(measure.firstStartNs, span.startNs);
    const stage = span.stage ?? parentStage ?? 'none';
    const total = stageTotals.get(stage) ?? { durationNs: 0, calls: 0, firstStartNs: span.startNs };
    total.durationNs += span.selfNs;
    // A call "enters" the stage when its parent was in another one.
    if (stage !== parentStage) total.calls += 1;
    total.firstStartNs = Math.min(total.firstStartNs, span.startNs);
    stageTotals.set(stage, total);
    // Children pushed last-first so they are visited in start order (depth first, like the tree).
    const childDeeper = deeper ?? (opensDeeper ? measure : undefined);
    for (let i = node.children.length - 1; i >= 0; i--)
      stack.push({ node: node.children[i]!, parentNames: names, parentKeyBody: keyBody, parentStage: stage, deeper: childDeeper });
  }

  const measures: Measure[] = [
    {
      key: 'total',
      kind: 'total',
      label: 'total',
      names: [],
      depth: 0,
      stage: null,
      durationNs: doc.durationNs,
      selfNs: doc.durationNs,
      calls: 1,
      firstStartNs: 0,
    },
  ];
  for (const stage of [...STAGES, 'none' as const]) {
    const total = stageTotals.get(stage);
    if (total === undefined) continue;
    const label = stage === 'none' ? 'no stage' : stage;
    measures.push({
      key: `stage:${stage}`,
      kind: 'stage',
      label,
      names: [],
      depth: 0,
      stage: stage === 'none' ? null : stage,
      durationNs: total.durationNs,
      selfNs: total.durationNs,
      calls: total.calls,
      firstStartNs: total.firstStartNs,
    });
  }
  for (const key of order) measures.push(paths.get(key)!);
  return measures;
}
