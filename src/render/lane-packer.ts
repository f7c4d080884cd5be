/**
 * Rows of a Gantt subtree and when each becomes free, with a min segment tree
 * so that "the first row free at time t" costs O(log rows) instead of a scan:
 * a wide level (thousands of concurrent children under one parent) would
 * otherwise make lane assignment quadratic.
 */
export class LanePacker {
  /** busyUntil per row (ns); rows past the end are free. */
  #busy: number[] = [];
  /** Segment tree over #busy (min), leaves at [#size, 2·#size). */
  #tree: Float64Array = new Float64Array(2).fill(-Infinity);
  #size = 1;

  /** Number of rows used so far. */
  get rows(): number {
    return this.#busy.length;
  }

  busyUntil(row: number): number {
    return this.#busy[row] ?? -Infinity;
  }

  /** Lowest row with busyUntil ≤ `atNs`, or {@link rows} when none is. */
  firstFree(atNs: number): number {
    if (this.#busy.length === 0 || this.#tree[1]! > atNs) return this.#busy.length;
    let index = 1;
    while (index < this.#size) index = this.#tree[2 * index]! <= atNs ? 2 * index : 2 * index + 1;
    return Math.min(index - this.#size, this.#busy.length);
  }

  /** Mark `row` busy until at least `untilNs`. */
  occupy(row: number, untilNs: number): void {
    while (row >= this.#size) this.#grow();
    const value = Math.max(this.busyUntil(row), untilNs);
    while (this.#busy.length <= row) this.#busy.push(-Infinity);
    this.#busy[row] = value;
    let index = row + this.#size;
    this.#tree[index] = value;
    for (index >>= 1; index >= 1; index >>= 1) this.#tree[index] = Math.min(this.#tree[2 * index]!, this.#tree[2 * index + 1]!);
  }

  #grow(): void {
    const size = this.#size * 2;
    // Unused leaves are free (−∞): the first of them is "a new row" for firstFree.
    const tree = new Float64Array(2 * size).fill(-Infinity);
    for (let row = 0; row < this.#busy.length; row += 1) tree[size + row] = this.#busy[row]!;
    for (let index = size - 1; index >= 1; index -= 1) tree[index] = Math.min(tree[2 * index]!, tree[2 * index + 1]!);
    this.#tree = tree;
    this.#size = size;
  }
}
