import type { Stage } from '../core/types.js';
import type { TreeNode } from './span-tree.js';

/** Siblings with one name, folded into one line by the compact text tree. */
export interface FoldedGroup {
  name: string;
  /** The folded spans, in start order. */
  members: TreeNode[];
}

/** A child as the compact tree shows it: one span, or a folded group. */
export type SiblingItem = { kind: 'span'; node: TreeNode } | { kind: 'group'; group: FoldedGroup };

/** Summary of a folded group: what its one line says. */
export interface FoldedSummary {
  count: number;
  totalNs: number;
  /** Median duration (nearest rank). */
  p50Ns: number;
  maxNs: number;
  firstStartNs: number;
  lastEndNs: number;
  /** Most frequent stage of the members. */
  stage: Stage | null;
  failed: number;
  /** Spans below the members: the compact tree omits them (it says how many). */
  descendants: number;
}

/**
 * Fold siblings that share a name and occur at least `minRepeat` times
 * (anywhere among the siblings, not only back to back: det → cls → rec → cls →
 * rec … folds into one cls line and one rec line). A group takes the place of
 * its first member, so the order still reads as the run went.
 */
export function foldSiblings(children: readonly TreeNode[], minRepeat = 3): SiblingItem[] {
  const byName = new Map<string, TreeNode[]>();
  for (const child of children) {
    let list = byName.get(child.span.name);
    if (list === undefined) byName.set(child.span.name, (list = []));
    list.push(child);
  }
  const items: SiblingItem[] = [];
  for (const child of children) {
    const same = byName.get(child.span.name)!;
    if (same.length < minRepeat) items.push({ kind: 'span', node: child });
    else if (same[0] === child) items.push({ kind: 'group', group: { name: child.span.name, members: same } });
  }
  return items;
}

export function summarizeGroup(group: FoldedGroup): FoldedSummary {
  const durations = group.members.map((member) => member.span.durationNs).sort((a, b) => a - b);
  const stages = new Map<Stage | null, number>();
  let failed = 0;
  let descendants = 0;
  let firstStartNs = Infinity;
  let lastEndNs = -Infinity;
  // Iterative: folded members can have deep subtrees.
  const count = (top: TreeNode): number => {
    let found = 0;
    const stack = [...top.children];
    for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
      found += 1;
      for (const child of node.children) stack.push(child);
    }
    return found;
  };
  for (const { span, children } of group.members) {
    stages.set(span.stage, (stages.get(span.stage) ?? 0) + 1);
    if (span.status === 'error') failed += 1;
    descendants += count({ span, children });
    firstStartNs = Math.min(firstStartNs, span.startNs);
    lastEndNs = Math.max(lastEndNs, span.startNs + span.durationNs);
  }
  let stage: Stage | null = null;
  let best = 0;
  for (const [candidate, n] of stages) if (n > best) [stage, best] = [candidate, n];
  return {
    count: durations.length,
    totalNs: durations.reduce((sum, value) => sum + value, 0),
    p50Ns: durations[Math.max(0, Math.ceil(durations.length * 0.5) - 1)] ?? 0,
    maxNs: durations[durations.length - 1] ?? 0,
    firstStartNs,
    lastEndNs,
    stage,
    failed,
    descendants,
  };
}
