/** A binary min-heap of numbers with a payload, smallest key first. */
export class MinHeap<T> {
  #keys: number[] = [];
  #values: T[] = [];

  get size(): number {
    return this.#keys.length;
  }

  /** The smallest key, or undefined when empty. */
  peekKey(): number | undefined {
    return this.#keys[0];
  }

  push(key: number, value: T): void {
    const keys = this.#keys;
    const values = this.#values;
    let index = keys.length;
    keys.push(key);
    values.push(value);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (keys[parent]! <= key) break;
      keys[index] = keys[parent]!;
      values[index] = values[parent]!;
      index = parent;
    }
    keys[index] = key;
    values[index] = value;
  }

  /** Remove and return the value with the smallest key. */
  pop(): T | undefined {
    const keys = this.#keys;
    const values = this.#values;
    if (keys.length === 0) return undefined;
    const top = values[0];
    const lastKey = keys.pop()!;
    const lastValue = values.pop()!;
    if (keys.length > 0) {
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        if (left >= keys.length) break;
        const right = left + 1;
        const child = right < keys.length && keys[right]! < keys[left]! ? right : left;
        if (keys[child]! >= lastKey) break;
        keys[index] = keys[child]!;
        values[index] = values[child]!;
        index = child;
      }
      keys[index] = lastKey;
      values[index] = lastValue;
    }
    return top;
  }
}
