/**
 * Rows of a Gantt subtree and when each becomes free (busyUntil, ns), as a
 * segment tree that is built only where rows were marked: a child's whole
 * block of rows is marked busy in one step, and "the first row free at t" and
 * "the first busy row in a block" cost O(log rows). A wide level (thousands of
 * concurrent children under one parent) or a deep one (a recursion whose
 * subtree is thousands of rows tall at every level) would otherwise make lane
 * assignment quadratic.
 */
export class LanePacker {
  #root: SegmentNode = newNode();
  #rows = 0;

  /** Number of rows used so far. */
  get rows(): number {
    return this.#rows;
  }

  busyUntil(row: number): number {
    let value = -Infinity;
    let node: SegmentNode | null = this.#root;
    let low = 0;
    let high = ROW_SPAN;
    while (node !== null) {
      if (high - low === 1) return Math.max(value, node.min);
      value = Math.max(value, node.tag);
      const middle = (low + high) >>> 1;
      if (row < middle) {
        node = node.left;
        high = middle;
      } else {
        node = node.right;
        low = middle;
      }
    }
    return value;
  }

  /** Lowest row with busyUntil ≤ `atNs`, or {@link rows} when none is. */
  firstFree(atNs: number): number {
    return this.firstFreeFrom(0, atNs);
  }

  /** Lowest row ≥ `from` with busyUntil ≤ `atNs` (rows past {@link rows} are free). */
  firstFreeFrom(from: number, atNs: number): number {
    return firstAtMost(this.#root, 0, ROW_SPAN, from, atNs);
  }

  /** Lowest row in [from, to) busy after `atNs`, or -1. */
  firstBusyIn(from: number, to: number, atNs: number): number {
    return from >= to ? -1 : firstAbove(this.#root, 0, ROW_SPAN, from, to, atNs);
  }

  /** Mark `row` busy until at least `untilNs`. */
  occupy(row: number, untilNs: number): void {
    this.occupyRows(row, row + 1, untilNs);
  }

  /** Mark rows [from, to) busy until at least `untilNs`. */
  occupyRows(from: number, to: number, untilNs: number): void {
    if (from >= to) return;
    if (to > ROW_SPAN) throw new RangeError(`stagescope: Gantt lane ${to} past the limit of ${ROW_SPAN}`);
    raise(this.#root, 0, ROW_SPAN, from, to, untilNs);
    this.#rows = Math.max(this.#rows, to);
  }
}

/** Rows addressable (2^30): more than any run has spans. */
const ROW_SPAN = 2 ** 30;

/** A range of rows: the least and greatest busyUntil in it, and a "at least tag" not yet passed to the children. Missing children: rows never marked (−∞). */
interface SegmentNode {
  min: number;
  max: number;
  tag: number;
  left: SegmentNode | null;
  right: SegmentNode | null;
}

function newNode(): SegmentNode {
  return { min: -Infinity, max: -Infinity, tag: -Infinity, left: null, right: null };
}

/** Every row of the node's range becomes max(row, value): its least and greatest follow. */
function apply(node: SegmentNode, value: number): void {
  node.min = Math.max(node.min, value);
  node.max = Math.max(node.max, value);
  node.tag = Math.max(node.tag, value);
}

/** Before marking part of a node's range: its children get its tag (and exist). */
function pushDown(node: SegmentNode): void {
  node.left ??= newNode();
  node.right ??= newNode();
  if (node.tag === -Infinity) return;
  apply(node.left, node.tag);
  apply(node.right, node.tag);
  node.tag = -Infinity;
}

// The walks below recurse over the tree's height (30 levels), not over the span tree.
function raise(node: SegmentNode, low: number, high: number, from: number, to: number, value: number): void {
  if (to <= low || high <= from) return;
  if (from <= low && high <= to) {
    apply(node, value);
    return;
  }
  pushDown(node);
  const middle = (low + high) >>> 1;
  raise(node.left!, low, middle, from, to, value);
  raise(node.right!, middle, high, from, to, value);
  node.min = Math.min(node.left!.min, node.right!.min);
  node.max = Math.max(node.left!.max, node.right!.max);
}

// Queries read without pushing tags down (nothing is built by asking): `floor`
// is the greatest tag of the ancestors, which every row below them is at least.
function firstAtMost(node: SegmentNode | null, low: number, high: number, from: number, atNs: number, floor = -Infinity): number {
  if (high <= from) return -1;
  if (node === null) return floor <= atNs ? Math.max(low, from) : -1;
  if (Math.max(node.min, floor) > atNs) return -1;
  if (high - low === 1) return low;
  const middle = (low + high) >>> 1;
  const below = Math.max(floor, node.tag);
  const left = firstAtMost(node.left, low, middle, from, atNs, below);
  return left >= 0 ? left : firstAtMost(node.right, middle, high, from, atNs, below);
}

function firstAbove(node: SegmentNode | null, low: number, high: number, from: number, to: number, atNs: number, floor = -Infinity): number {
  if (to <= low || high <= from) return -1;
  if (node === null) return floor > atNs ? Math.max(low, from) : -1;
  if (Math.max(node.max, floor) <= atNs) return -1;
  if (high - low === 1) return low;
  const middle = (low + high) >>> 1;
  const below = Math.max(floor, node.tag);
  const left = firstAbove(node.left, low, middle, from, to, atNs, below);
  return left >= 0 ? left : firstAbove(node.right, middle, high, from, to, atNs, below);
}
