import type { RunDocument } from '../core/run-document.js';
import type { SpanRecord } from '../core/types.js';

/** A span with its children, children in start order. */
export interface TreeNode {
  span: SpanRecord;
  children: TreeNode[];
}

/**
 * Build the parent/child tree of a run document. Spans whose parent is missing
 * become extra roots (listed after the run root), so nothing recorded is hidden.
 */
export function buildTree(doc: Pick<RunDocument, 'spans'>): TreeNode[] {
  const nodes = new Map<string, TreeNode>();
  for (const span of doc.spans) nodes.set(span.id, { span, children: [] });
  const roots: TreeNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.span.parentId === null ? undefined : nodes.get(node.span.parentId);
    if (parent === undefined) roots.push(node);
    else parent.children.push(node);
  }
  const byStart = (a: TreeNode, b: TreeNode): number => a.span.startNs - b.span.startNs || Number(a.span.id) - Number(b.span.id);
  for (const node of nodes.values()) node.children.sort(byStart);
  roots.sort(byStart);
  return roots;
}
