/** Median, min and max of one figure's samples (one sample per round). */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Summary of the samples, or null when there are none (every round failed or was undefined). */
export function summarize(values: readonly number[]): Summary | null {
  if (values.length === 0) return null;
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/**
 * A ratio whose denominator is the difference of two noisy processes (row 8:
 * reported OH / the A/B-measured added time), over rounds. The median is
 * median(numerators) / median(denominators): a per-round ratio would have to
 * leave out the rounds whose difference came out ≤ 0, and those are the
 * rounds that measured least, which biases the median. min–max is the
 * numerators' median over the denominators' largest and smallest round, so
 * the median lies inside it, and the range says how far the denominator's
 * spread moves the ratio (the numerator, stagescope's own count, spreads far
 * less). When a round measured ≤ 0, the ratio has no upper bound (max is
 * Infinity): the machine did not resolve the denominator. Throws when the
 * denominators' median is not positive.
 */
export function ratioOfMedians(numerators: readonly number[], denominators: readonly number[]): Summary {
  if (numerators.length === 0 || denominators.length === 0) throw new Error('no round gave both numbers of the ratio');
  const numerator = median(numerators);
  const denominator = median(denominators);
  if (denominator <= 0) throw new Error(`the median added time over rounds (${denominator.toFixed(3)}) is not positive`);
  const smallest = Math.min(...denominators);
  const largest = Math.max(...denominators);
  return {
    median: numerator / denominator,
    min: numerator / largest,
    max: smallest > 0 ? numerator / smallest : Number.POSITIVE_INFINITY,
    n: Math.min(numerators.length, denominators.length),
  };
}
