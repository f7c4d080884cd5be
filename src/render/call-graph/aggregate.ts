import type { RunDocument } from '../../core/run-document.js';
import { isStage, STAGES, type SpanRecord, type Stage } from '../../core/types.js';
import { hideShortSpans } from '../min-duration.js';
import { DEFAULT_CALL_GRAPH_OPTIONS, type HighlightMetric, type ResolvedCallGraphOptions } from './call-graph-defaults.js';

// Declared beside the defaults (a file the option table loads at start-up); exported from here as they always were.
export type { HighlightMetric, ResolvedCallGraphOptions };

/** Options of {@link aggregateCallGraph}. Every option is optional. */
export interface CallGraphOptions {
  /**
   * Past this many nodes, small nodes are merged into one "other" node per
   * parent. Default 40: about what fits on a screen with readable labels.
   */
  maxNodes?: number;
  /**
   * A node whose total time is below this share of the run is "tiny" and may be
   * merged into "other" (only when the graph has more than `maxNodes` nodes).
   * Default 0.005 (0.5 %). If merging the tiny nodes is not enough, the share is
   * doubled until the graph fits (up to `maxMinShare`).
   */
  minShare?: number;
  /** Upper bound for the raised share. Default 0.05 (5 %): bigger nodes always stay. */
  maxMinShare?: number;
  /**
   * Which node is "slowest": `'self'` (default) = most time spent in the node
   * itself, not in its children (where the time goes); `'total'` = longest
   * total time including children (HiQ's max-latency node).
   */
  highlight?: HighlightMetric;
  /**
   * Stages never highlighted, e.g. `['load']`: a one-shot script is always
   * "slowest in model loading", which hides the inference hot spot. Default none.
   */
  highlightExclude?: readonly Stage[];
  /** Leave out spans shorter than this (with their subtrees) before aggregating; the legend counts them. Default 0. */
  minDurationNs?: number;
}

/** One call site: all spans with the same name path from a root. */
export interface CallGraphNode {
  /** Stable DOT id (`n0`, `n1`, … in depth-first, first-start order). */
  id: string;
  /** Span names from the root to this node. */
  path: string[];
  name: string;
  /**
   * The most frequent stage of the node's spans (null = none). A span without a
   * stage takes its nearest ancestor's (an onnxruntime op inside a recognition
   * run is recognition work); `stageInherited` says so.
   */
  stage: Stage | null;
  stageInherited: boolean;
  /** An "other" node whose members have different stages. */
  mixedStages: boolean;
  calls: number;
  errors: number;
  /** Sum of the spans' durations. Concurrent calls make this exceed wall time. */
  totalNs: number;
  /** Sum of the spans' self times (duration minus children). */
  selfNs: number;
  /**
   * Each numeric metric over the node's spans (probe values), when present:
   * summed, except peaks and maxima (`…Peak…`, `…Max…`: the largest) and
   * ratios and percentiles (`…Ratio`, `…Percent`, `…P50…`: the mean), which a
   * sum would make meaningless. See {@link metricMerge}.
   */
  metrics: Record<string, number>;
  /** Distinct targets (`module#export`) the spans came from. */
  targets: string[];
  parentId: string | null;
  childIds: string[];
  /** Set on an "other" node: what it stands for. */
  collapsed: { nodes: number; calls: number } | null;
}

export interface CallGraphEdge {
  from: string;
  to: string;
  calls: number;
}

/** The aggregated call graph of a run, ready for a renderer. */
export interface CallGraph {
  nodes: CallGraphNode[];
  edges: CallGraphEdge[];
  /** The run's duration: the 100 % that shares are computed against. */
  rootTotalNs: number;
  /**
   * The node with the greatest self time: never an "other" node, and never a
   * root (the run root's self time is the script's untraced rest, not a call
   * site) unless the run has nothing but roots. Null for an empty run.
   */
  hottestId: string | null;
  /**
   * The highlighted call site itself when a depth cut merged it into the
   * "… N deeper call sites" node `hottestId` names (a small `maxNodes`): the
   * picture still names the real slowest call site. Else null.
   */
  hottestInside: CallGraphNode | null;
  /** Spans left out as shorter than `minDurationNs` (0 when none). */
  hiddenSpans: number;
  /** Nodes merged into "other" nodes, and the share used to pick them. */
  collapse: { nodes: number; groups: number; calls: number; selfNs: number; minShare: number; maxDepth: number | null } | null;
  options: ResolvedCallGraphOptions;
}

export function resolveCallGraphOptions(options: CallGraphOptions = {}): ResolvedCallGraphOptions {
  const resolved = { ...DEFAULT_CALL_GRAPH_OPTIONS, ...stripUndefined(options) };
  if (!(Number.isInteger(resolved.maxNodes) && resolved.maxNodes >= 2)) {
    throw new Error(`stagescope: call graph option maxNodes must be an integer ≥ 2, got ${String(resolved.maxNodes)}`);
  }
  for (const key of ['minShare', 'maxMinShare'] as const) {
    const value = resolved[key];
    if (!(typeof value === 'number' && value >= 0 && value <= 1)) {
      throw new Error(`stagescope: call graph option ${key} must be a share between 0 and 1 (0.005 = 0.5 %), got ${String(value)}`);
    }
  }
  if (!(Number.isFinite(resolved.minDurationNs) && resolved.minDurationNs >= 0)) {
    throw new Error(`stagescope: call graph option minDurationNs must be a finite number of ns ≥ 0, got ${String(resolved.minDurationNs)}`);
  }
  if (resolved.highlight !== 'self' && resolved.highlight !== 'total') {
    throw new Error(`stagescope: call graph option highlight must be "self" or "total", got ${JSON.stringify(resolved.highlight)}`);
  }
  for (const stage of resolved.highlightExclude) {
    if (!isStage(stage))
      throw new Error(`stagescope: call graph option highlightExclude: unknown stage ${JSON.stringify(stage)} (stages: ${STAGES.join(', ')})`);
  }
  return resolved;
}

interface Builder {
  node: CallGraphNode;
  stageCounts: Map<Stage | null, number>;
  /** Spans counted under an ancestor's stage. */
  inheritedCounts: number;
  /** Spans that had each metric (for means). */
  metricCounts: Map<string, number>;
  firstStartNs: number;
  children: Map<string, Builder>;
}

/**
 * Aggregate a run's spans into call sites keyed by name path (root → … → name),
 * with call counts, total and self time, stage and summed probe metrics; then,
 * if there are more than `maxNodes`, merge tiny subtrees into one "other (N
 * nodes)" node per parent. Pure: the same document gives the same graph.
 */
export function aggregateCallGraph(fullDoc: Pick<RunDocument, 'spans' | 'durationNs'>, options: CallGraphOptions = {}): CallGraph {
  const resolved = resolveCallGraphOptions(options);
  const { doc, hidden: hiddenSpans } = hideShortSpans(fullDoc as RunDocument, options.minDurationNs ?? 0);
  const byId = new Map(doc.spans.map((span) => [span.id, span]));
  const childrenOf = new Map<string | null, SpanRecord[]>();
  for (const span of doc.spans) {
    // A span whose parent is missing is a root of its own (as in the text tree).
    const parentKey = span.parentId !== null && byId.has(span.parentId) ? span.parentId : null;
    let list = childrenOf.get(parentKey);
    if (list === undefined) childrenOf.set(parentKey, (list = []));
    list.push(span);
  }

  const roots = new Map<string, Builder>();
  // Iterative (an explicit stack): runs nest thousands of levels deep.
  interface Visit {
    span: SpanRecord;
    siblings: Map<string, Builder>;
    inheritedStage: Stage | null;
  }
  const visit = ({ span, siblings, inheritedStage }: Visit, stack: Visit[]): void => {
    let builder = siblings.get(span.name);
    if (builder === undefined) {
      builder = {
        node: {
          id: '',
          // The last segment only, until the end (withFullPaths): a whole path per call
          // site would hold depth²/2 names for a recursion (200 million at 20,000 levels).
          path: [span.name],
          name: span.name,
          stage: null,
          stageInherited: false,
          mixedStages: false,
          calls: 0,
          errors: 0,
          totalNs: 0,
          selfNs: 0,
          metrics: {},
          targets: [],
          parentId: null,
          childIds: [],
          collapsed: null,
        },
        stageCounts: new Map(),
        inheritedCounts: 0,
        metricCounts: new Map(),
        firstStartNs: span.startNs,
        children: new Map(),
      };
      siblings.set(span.name, builder);
    }
    const { node } = builder;
    node.calls += 1;
    if (span.status === 'error') node.errors += 1;
    node.totalNs += span.durationNs;
    node.selfNs += span.selfNs;
    builder.firstStartNs = Math.min(builder.firstStartNs, span.startNs);
    const stage = span.stage ?? inheritedStage;
    builder.stageCounts.set(stage, (builder.stageCounts.get(stage) ?? 0) + 1);
    if (span.stage === null && stage !== null) builder.inheritedCounts += 1;
    if (span.target !== null && !node.targets.includes(span.target)) node.targets.push(span.target);
    for (const [key, value] of Object.entries(span.metrics ?? {})) {
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      const previous = node.metrics[key];
      const merge = metricMerge(key);
      if (merge === 'max') node.metrics[key] = previous === undefined ? value : Math.max(previous, value);
      else node.metrics[key] = (previous ?? 0) + value; // means are divided by the count once all spans are in
      builder.metricCounts.set(key, (builder.metricCounts.get(key) ?? 0) + 1);
    }
    for (const child of childrenOf.get(span.id) ?? []) stack.push({ span: child, siblings: builder.children, inheritedStage: stage });
  };
  const visits: Visit[] = (childrenOf.get(null) ?? []).map((span) => ({ span, siblings: roots, inheritedStage: null }));
  for (let next = visits.pop(); next !== undefined; next = visits.pop()) visit(next, visits);

  // Number nodes depth-first in first-start order, so ids and output are stable.
  const nodes: CallGraphNode[] = [];
  const builders = new Map<string, Builder>();
  // Pre-order with an explicit stack (children pushed in reverse start order).
  const pending: { builder: Builder; parent: CallGraphNode | null }[] = orderByStart(roots)
    .reverse()
    .map((builder) => ({ builder, parent: null }));
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { builder, parent } = next;
    const { node } = builder;
    node.id = `n${nodes.length}`;
    node.parentId = parent === null ? null : parent.id;
    parent?.childIds.push(node.id);
    node.stage = mostFrequent(builder.stageCounts);
    for (const [key, count] of builder.metricCounts) if (metricMerge(key) === 'mean') node.metrics[key] = node.metrics[key]! / count;
    node.stageInherited = node.stage !== null && builder.inheritedCounts * 2 > node.calls;
    node.targets.sort();
    nodes.push(node);
    builders.set(node.id, builder);
    const children = orderByStart(builder.children);
    for (let index = children.length - 1; index >= 0; index -= 1) pending.push({ builder: children[index]!, parent: node });
  }

  const rootTotalNs = doc.durationNs > 0 ? doc.durationNs : doc.spans.reduce((max, span) => Math.max(max, span.startNs + span.durationNs), 1);
  const candidates = (nodes.some((node) => node.parentId !== null) ? nodes.filter((node) => node.parentId !== null) : nodes).filter(
    (node) => node.stage === null || !resolved.highlightExclude.includes(node.stage),
  );
  const hottest = pickHottest(candidates, resolved.highlight);
  const collapse = collapseSmallNodes(nodes, rootTotalNs, hottest, resolved);
  let kept = collapse === null ? nodes : collapse.nodes;
  let summary = collapse === null ? null : collapse.summary;
  let hottestId = hottest?.id ?? null;
  let hottestInside: CallGraphNode | null = null;
  if (kept.length > resolved.maxNodes) {
    // Merging small call sites was not enough (a deep chain of big ones: recursion): cut by depth.
    const cut = cutAtDepth(kept, resolved.maxNodes);
    kept = cut.nodes;
    if (hottestId !== null && cut.holder.has(hottestId)) {
      hottestInside = hottest;
      hottestId = cut.holder.get(hottestId)!;
    }
    // Counted from the dashed nodes left: a cut can swallow "other" nodes of the
    // first pass, whose call sites must not be counted twice.
    const dashed = kept.flatMap((node) => (node.collapsed === null ? [] : [{ ...node.collapsed, selfNs: node.selfNs }]));
    summary = {
      minShare: summary?.minShare ?? resolved.minShare,
      nodes: dashed.reduce((sum, group) => sum + group.nodes, 0),
      groups: dashed.length,
      calls: dashed.reduce((sum, group) => sum + group.calls, 0),
      selfNs: dashed.reduce((sum, group) => sum + group.selfNs, 0),
      maxDepth: cut.maxDepth,
    };
  }
  withFullPaths(kept, nodes);
  const keptIds = new Set(kept.map((node) => node.id));
  const edges: CallGraphEdge[] = [];
  for (const node of kept) {
    if (node.parentId !== null && keptIds.has(node.parentId)) edges.push({ from: node.parentId, to: node.id, calls: node.calls });
  }
  return {
    nodes: kept,
    edges,
    rootTotalNs,
    hottestId,
    hottestInside,
    hiddenSpans,
    collapse: summary,
    options: resolved,
  };
}

/**
 * Replace each drawn node's last path segment by its whole path from the root,
 * following parentId through the drawn nodes and, for ancestors merged away,
 * all nodes. Only the drawn nodes (at most about maxNodes, and as deep) get one.
 */
function withFullPaths(kept: CallGraphNode[], all: CallGraphNode[]): void {
  const byId = new Map<string, CallGraphNode>();
  for (const node of all) byId.set(node.id, node);
  for (const node of kept) byId.set(node.id, node);
  const full = new Map<string, string[]>();
  const pathOf = (start: CallGraphNode): string[] => {
    // Walk up to the first node whose path is known (or a root), then fill in downwards.
    const chain: CallGraphNode[] = [];
    let known: string[] = [];
    for (let node: CallGraphNode | undefined = start; node !== undefined; node = node.parentId === null ? undefined : byId.get(node.parentId)) {
      const done = full.get(node.id);
      if (done !== undefined) {
        known = done;
        break;
      }
      chain.push(node);
    }
    for (let index = chain.length - 1; index >= 0; index -= 1) {
      const node = chain[index]!;
      known = [...known, ...node.path];
      full.set(node.id, known);
    }
    return known;
  };
  const paths = kept.map(pathOf);
  kept.forEach((node, index) => (node.path = paths[index]!));
}

/**
 * How a metric combines over a node's calls: peaks and maxima keep the largest,
 * ratios, percentages and percentiles average, everything else (durations,
 * byte counts, deltas) adds up.
 */
export function metricMerge(key: string): 'sum' | 'max' | 'mean' {
  if (/peak|max/i.test(key)) return 'max';
  if (/Ratio$|Percent$|P\d{2}(?![0-9])/.test(key)) return 'mean';
  return 'sum';
}

/** Greatest self (or total) time; ties go to the earlier node (stable). */
function pickHottest(nodes: readonly CallGraphNode[], metric: HighlightMetric): CallGraphNode | null {
  const value = (node: CallGraphNode): number => (metric === 'self' ? node.selfNs : node.totalNs);
  let best: CallGraphNode | null = null;
  for (const node of nodes) if (best === null || value(node) > value(best)) best = node;
  return best;
}

function collapseSmallNodes(
  nodes: CallGraphNode[],
  rootTotalNs: number,
  hottest: CallGraphNode | null,
  options: ResolvedCallGraphOptions,
): { nodes: CallGraphNode[]; summary: NonNullable<CallGraph['collapse']> } | null {
  if (nodes.length <= options.maxNodes) return null;
  const byId = new Map(nodes.map((node) => [node.id, node]));
  // The hottest node and its ancestors always stay, whatever their share.
  const protectedIds = new Set<string>();
  for (let node = hottest; node !== null; node = node.parentId === null ? null : (byId.get(node.parentId) ?? null)) protectedIds.add(node.id);

  let share = options.minShare;
  let result = collapseAt(nodes, byId, rootTotalNs * share, protectedIds);
  while (result.nodes.length > options.maxNodes && share < options.maxMinShare) {
    share = Math.min(options.maxMinShare, share * 2);
    result = collapseAt(nodes, byId, rootTotalNs * share, protectedIds);
  }
  if (result.summary.nodes === 0) return null;
  return { nodes: result.nodes, summary: { ...result.summary, minShare: share, maxDepth: null } };
}

/**
 * Keep the levels from the root down to the deepest one that fits `maxNodes`
 * and merge everything below each node of that level into one "… N deeper
 * call sites" node. `holder` maps every merged node's id to the node that now
 * stands for it (so the highlight can move there). Linear in the nodes.
 */
function cutAtDepth(
  nodes: readonly CallGraphNode[],
  maxNodes: number,
): { nodes: CallGraphNode[]; holder: Map<string, string>; maxDepth: number; summary: { nodes: number; groups: number; calls: number; selfNs: number } } {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const depthOf = new Map<string, number>();
  const countAt: number[] = [];
  const parentsAt: number[] = [];
  // Nodes come in pre-order: a parent's depth is known before its children's.
  for (const node of nodes) {
    const depth = node.parentId === null ? 0 : (depthOf.get(node.parentId) ?? -1) + 1;
    depthOf.set(node.id, depth);
    countAt[depth] = (countAt[depth] ?? 0) + 1;
    if (node.childIds.length > 0) parentsAt[depth] = (parentsAt[depth] ?? 0) + 1;
  }
  let maxDepth = 0;
  let upTo = countAt[0] ?? 0;
  for (let depth = 1; depth < countAt.length; depth += 1) {
    upTo += countAt[depth] ?? 0;
    if (upTo + (parentsAt[depth] ?? 0) > maxNodes) break;
    maxDepth = depth;
  }
  const out: CallGraphNode[] = [];
  const holder = new Map<string, string>();
  const summary = { nodes: 0, groups: 0, calls: 0, selfNs: 0 };
  for (const node of nodes) {
    const depth = depthOf.get(node.id)!;
    if (depth > maxDepth) continue;
    const copy: CallGraphNode = { ...node, childIds: depth < maxDepth ? [...node.childIds] : [] };
    out.push(copy);
    if (depth < maxDepth || node.childIds.length === 0) continue;
    const children = node.childIds.map((id) => byId.get(id)!);
    const members: CallGraphNode[] = [];
    const stack = [...children];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      members.push(member);
      for (const id of member.childIds) stack.push(byId.get(id)!);
    }
    const stages = new Set(members.map((member) => member.stage));
    // An "other" node of the first pass stands for several call sites.
    const sites = members.reduce((sum, member) => sum + (member.collapsed?.nodes ?? 1), 0);
    const deeper: CallGraphNode = {
      id: `${node.id}_deeper`,
      path: ['deeper'],
      name: `… ${sites} deeper call site${sites === 1 ? '' : 's'}`,
      stage: stages.size === 1 ? [...stages][0]! : null,
      stageInherited: members.every((member) => member.stageInherited),
      mixedStages: stages.size > 1,
      calls: children.reduce((sum, child) => sum + child.calls, 0),
      errors: members.reduce((sum, member) => sum + member.errors, 0),
      totalNs: children.reduce((sum, child) => sum + child.totalNs, 0),
      selfNs: members.reduce((sum, member) => sum + member.selfNs, 0),
      metrics: {},
      targets: [],
      parentId: node.id,
      childIds: [],
      collapsed: { nodes: sites, calls: members.reduce((sum, member) => sum + (member.collapsed?.calls ?? member.calls), 0) },
    };
    copy.childIds = [deeper.id];
    out.push(deeper);
    for (const member of members) holder.set(member.id, deeper.id);
    summary.nodes += sites;
    summary.groups += 1;
    summary.calls += deeper.collapsed!.calls;
    summary.selfNs += deeper.selfNs;
  }
  return { nodes: out, holder, maxDepth, summary };
}

/**
 * Merge, under each parent, the children whose total is below `thresholdNs`
 * (with their whole subtrees) into one "other" node, when at least two would be
 * merged (an "other (1 node)" would hide a name and save nothing).
 */
function collapseAt(
  nodes: readonly CallGraphNode[],
  byId: ReadonlyMap<string, CallGraphNode>,
  thresholdNs: number,
  protectedIds: ReadonlySet<string>,
): { nodes: CallGraphNode[]; summary: { nodes: number; groups: number; calls: number; selfNs: number } } {
  const out: CallGraphNode[] = [];
  const summary = { nodes: 0, groups: 0, calls: 0, selfNs: 0 };
  const subtree = (top: CallGraphNode): CallGraphNode[] => {
    const found: CallGraphNode[] = [];
    const stack = [top];
    for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
      found.push(node);
      for (let index = node.childIds.length - 1; index >= 0; index -= 1) stack.push(byId.get(node.childIds[index]!)!);
    }
    return found;
  };
  // Pre-order with an explicit stack; a parent's "other" node comes after its kept children's subtrees.
  type Step = { kind: 'emit'; node: CallGraphNode } | { kind: 'other'; node: CallGraphNode; copy: CallGraphNode; merged: Set<CallGraphNode> };
  const steps: Step[] = [];
  const roots = nodes.filter((node) => node.parentId === null);
  for (let index = roots.length - 1; index >= 0; index -= 1) steps.push({ kind: 'emit', node: roots[index]! });
  for (let step = steps.pop(); step !== undefined; step = steps.pop()) {
    if (step.kind === 'other') {
      const { node, copy, merged } = step;
      const members = [...merged].flatMap(subtree);
      const stages = new Set(members.map((member) => member.stage));
      const other: CallGraphNode = {
        id: `${node.id}_other`,
        path: ['other'],
        name: `other (${members.length} nodes)`,
        stage: stages.size === 1 ? [...stages][0]! : null,
        stageInherited: members.every((member) => member.stageInherited),
        mixedStages: stages.size > 1,
        calls: [...merged].reduce((sum, member) => sum + member.calls, 0),
        errors: members.reduce((sum, member) => sum + member.errors, 0),
        totalNs: [...merged].reduce((sum, member) => sum + member.totalNs, 0),
        selfNs: members.reduce((sum, member) => sum + member.selfNs, 0),
        metrics: {},
        targets: [],
        parentId: node.id,
        childIds: [],
        collapsed: { nodes: members.length, calls: members.reduce((sum, member) => sum + member.calls, 0) },
      };
      copy.childIds.push(other.id);
      out.push(other);
      summary.nodes += members.length;
      summary.groups += 1;
      summary.calls += other.collapsed!.calls;
      summary.selfNs += other.selfNs;
      continue;
    }
    const { node } = step;
    const copy: CallGraphNode = { ...node, childIds: [] };
    out.push(copy);
    const small = node.childIds.map((id) => byId.get(id)!).filter((child) => child.totalNs < thresholdNs && !protectedIds.has(child.id));
    const merged = small.length >= 2 ? new Set(small) : new Set<CallGraphNode>();
    const kept = node.childIds.map((id) => byId.get(id)!).filter((child) => !merged.has(child));
    for (const child of kept) copy.childIds.push(child.id);
    if (merged.size > 0) steps.push({ kind: 'other', node, copy, merged });
    for (let index = kept.length - 1; index >= 0; index -= 1) steps.push({ kind: 'emit', node: kept[index]! });
  }
  return { nodes: out, summary };
}

function orderByStart(builders: Map<string, Builder>): Builder[] {
  return [...builders.values()].sort((a, b) => a.firstStartNs - b.firstStartNs || (a.node.name < b.node.name ? -1 : a.node.name > b.node.name ? 1 : 0));
}

function mostFrequent(counts: Map<Stage | null, number>): Stage | null {
  let best: Stage | null = null;
  let bestCount = 0;
  for (const [stage, count] of counts) {
    // A stage beats "none" on ties: the stage is the informative label.
    if (count > bestCount || (count === bestCount && best === null && stage !== null)) {
      best = stage;
      bestCount = count;
    }
  }
  return best;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
