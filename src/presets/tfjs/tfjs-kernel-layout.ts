/**
 * Pure layout of tfjs profiler kernels under the span that ran them.
 *
 * tfjs reports how long each kernel took (`kernelTimeMs`, measured by the
 * backend) but not when it started. The kernels of a call ran one after another,
 * so they are laid out back to back from the call's start, in the order tfjs
 * recorded them. If the reported times add up to more than the call (timer
 * granularity, GPU timers), every sibling is scaled by the same factor so
 * children never extend past their parent. Positions are therefore an
 * approximation; durations are the backend's (times the scale).
 *
 * Some kernels run other kernels (an op such as `fusedMatMul__op` around
 * `_FusedMatMul`, backends that compose kernels). tfjs records the inner ones
 * first, then the outer one with a time that includes them; the engine's kernel
 * depth at record time tells them apart. Inner kernels become children of the
 * outer one instead of being counted twice.
 */

export interface KernelTiming {
  name: string;
  /** Backend-reported time, or NaN when the backend reported none (an error object). */
  kernelTimeMs: number;
  /** Nesting depth relative to the call (0 = run by the call itself). */
  depth: number;
}

export interface KernelNode {
  /** Index of the kernel in the profiler's list. */
  index: number;
  name: string;
  /** Reported time in ns (0 when none was reported). */
  timeNs: number;
  children: KernelNode[];
}

function timeNsOf(kernel: KernelTiming): number {
  return Number.isFinite(kernel.kernelTimeMs) && kernel.kernelTimeMs > 0 ? kernel.kernelTimeMs * 1e6 : 0;
}

/**
 * Rebuild the kernel tree from tfjs's list, which is in completion order
 * (children before their parent), using each record's depth.
 */
export function nestKernels(kernels: readonly KernelTiming[]): KernelNode[] {
  const waiting = new Map<number, KernelNode[]>();
  kernels.forEach((kernel, index) => {
    const depth = Math.max(0, kernel.depth);
    const node: KernelNode = { index, name: kernel.name, timeNs: timeNsOf(kernel), children: waiting.get(depth + 1) ?? [] };
    waiting.delete(depth + 1);
    const list = waiting.get(depth);
    if (list === undefined) waiting.set(depth, [node]);
    else list.push(node);
  });
  // Whatever has no parent left (the top level, or kernels whose outer op did not finish in the window).
  return [...waiting.values()].flat().sort((a, b) => a.index - b.index);
}

export interface KernelSlot {
  node: KernelNode;
  /** Position in the tree: null for a kernel directly under the call. */
  parent: KernelNode | null;
  startNs: number;
  endNs: number;
}

export interface KernelLayout {
  /** Pre-order: every kernel after its parent. */
  slots: KernelSlot[];
  /** Sum of the reported times of the top-level kernels. */
  totalKernelNs: number;
  /** Factor applied to the top-level kernels (1 when they fit; < 1 when scaled down). */
  scale: number;
}

/** Lay `nodes` out back to back inside [startNs, endNs], recursively. */
export function layoutKernels(parentStartNs: number, parentEndNs: number, roots: readonly KernelNode[]): KernelLayout {
  const slots: KernelSlot[] = [];
  const place = (nodes: readonly KernelNode[], parent: KernelNode | null, startNs: number, endNs: number): number => {
    const spanNs = Math.max(0, endNs - startNs);
    const totalNs = nodes.reduce((sum, node) => sum + node.timeNs, 0);
    const scale = totalNs > spanNs && totalNs > 0 ? spanNs / totalNs : 1;
    let cursorNs = startNs;
    for (const node of nodes) {
      const slotStartNs = cursorNs;
      // Round down and clamp: float error must never push a child past its parent.
      const slotEndNs = Math.min(endNs, Math.max(slotStartNs, Math.floor(slotStartNs + node.timeNs * scale)));
      slots.push({ node, parent, startNs: slotStartNs, endNs: slotEndNs });
      if (node.children.length > 0) place(node.children, node, slotStartNs, slotEndNs);
      cursorNs = slotEndNs;
    }
    return scale;
  };
  const scale = place(roots, null, parentStartNs, parentEndNs);
  return { slots, totalKernelNs: roots.reduce((sum, node) => sum + node.timeNs, 0), scale };
}

export interface KernelTypeShare {
  name: string;
  count: number;
  /** Self time: the kernel's time minus the kernels it ran itself. */
  selfMs: number;
  /** Share of the summed top-level kernel time, 0–1. */
  share: number;
}

/** Kernel self time per kernel type, largest first ("Conv2D 61%"). */
export function aggregateKernelTypes(roots: readonly KernelNode[]): KernelTypeShare[] {
  const byName = new Map<string, { count: number; selfNs: number }>();
  let totalNs = 0;
  const visit = (node: KernelNode): void => {
    const childNs = node.children.reduce((sum, child) => sum + child.timeNs, 0);
    const selfNs = Math.max(0, node.timeNs - childNs);
    const entry = byName.get(node.name);
    if (entry === undefined) byName.set(node.name, { count: 1, selfNs });
    else {
      entry.count++;
      entry.selfNs += selfNs;
    }
    node.children.forEach(visit);
  };
  for (const root of roots) {
    totalNs += root.timeNs;
    visit(root);
  }
  return [...byName]
    .map(([name, { count, selfNs }]) => ({ name, count, selfMs: selfNs / 1e6, share: totalNs > 0 ? selfNs / totalNs : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs || b.count - a.count || a.name.localeCompare(b.name));
}

/** `Conv2D 61% (12×), FusedDepthwiseConv2D 20% (13×), …` — the first `limit` types. */
export function formatKernelTypes(shares: readonly KernelTypeShare[], limit = 8): string {
  const shown = shares.slice(0, limit).map((entry) => `${entry.name} ${Math.round(entry.share * 100)}% (${entry.count}×)`);
  if (shares.length > limit) shown.push(`+${shares.length - limit} more`);
  return shown.join(', ');
}
