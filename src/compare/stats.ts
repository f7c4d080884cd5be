/**
 * Small, dependency-free statistics for timing samples. Timings are skewed
 * (a GC pause or a cold cache makes one run much slower, never much faster),
 * so everything here is rank- or quantile-based: medians, quantiles, IQR and
 * the Mann-Whitney U test, none of which assume a normal distribution.
 */

/** Quantile `q` in [0, 1] with linear interpolation between order statistics (type 7, as R and NumPy default). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower]!;
  return low + (sorted[upper]! - low) * (position - lower);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Interquartile range p75 − p25: the spread of the middle half, insensitive to one outlier run. */
export function interquartileRange(values: readonly number[]): number {
  return values.length < 2 ? 0 : quantile(values, 0.75) - quantile(values, 0.25);
}

/** Median absolute deviation from the median (unscaled). */
export function medianAbsoluteDeviation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const center = median(values);
  return median(values.map((value) => Math.abs(value - center)));
}

/** Summary of one sample: the numbers `bench` reports per stage path. */
export interface SampleSummary {
  count: number;
  medianNs: number;
  p95Ns: number;
  minNs: number;
  maxNs: number;
  /** p75 − p25. */
  iqrNs: number;
  madNs: number;
}

export function summarizeSamples(samplesNs: readonly number[]): SampleSummary {
  return {
    count: samplesNs.length,
    medianNs: median(samplesNs),
    p95Ns: quantile(samplesNs, 0.95),
    minNs: samplesNs.length === 0 ? Number.NaN : Math.min(...samplesNs),
    maxNs: samplesNs.length === 0 ? Number.NaN : Math.max(...samplesNs),
    iqrNs: interquartileRange(samplesNs),
    madNs: medianAbsoluteDeviation(samplesNs),
  };
}

/** Result of a two-sided Mann-Whitney U test. */
export interface MannWhitneyResult {
  /** U of the first sample (number of pairs where a > b, ties count ½). */
  u: number;
  /** Two-sided p-value. */
  pValue: number;
  /** `exact` (no ties, small samples: the full null distribution) or `normal` (approximation with tie correction). */
  method: 'exact' | 'normal';
  /** The smallest two-sided p-value these sample sizes can produce (the samples do not overlap at all). */
  minPValue: number;
}

/**
 * Two-sided Mann-Whitney U test (Wilcoxon rank-sum): do `a` and `b` come from
 * the same distribution? Exact null distribution when there are no ties and
 * n·m ≤ 2500 (counts of rank arrangements by dynamic programming), otherwise
 * the normal approximation with tie and continuity correction.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return { u: 0, pValue: 1, method: 'exact', minPValue: 1 };
  const pooled = [...a.map((value) => ({ value, first: true })), ...b.map((value) => ({ value, first: false }))].sort((x, y) => x.value - y.value);
  const ranks = new Array<number>(pooled.length);
  const tieSizes: number[] = [];
  for (let i = 0; i < pooled.length;) {
    let j = i;
    while (j + 1 < pooled.length && pooled[j + 1]!.value === pooled[i]!.value) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[k] = rank;
    if (j > i) tieSizes.push(j - i + 1);
    i = j + 1;
  }
  let rankSumA = 0;
  pooled.forEach((entry, index) => {
    if (entry.first) rankSumA += ranks[index]!;
  });
  const u = rankSumA - (n * (n + 1)) / 2;
  const minPValue = Math.min(1, 2 / binomial(n + m, n));
  if (tieSizes.length === 0 && n * m <= 2500) {
    const counts = exactUDistribution(n, m);
    const total = counts.reduce((sum, count) => sum + count, 0);
    const lowU = Math.min(u, n * m - u);
    let tail = 0;
    for (let k = 0; k <= lowU; k++) tail += counts[k]!;
    return { u, pValue: Math.min(1, (2 * tail) / total), method: 'exact', minPValue };
  }
  const meanU = (n * m) / 2;
  const tieTerm = tieSizes.reduce((sum, t) => sum + (t ** 3 - t), 0);
  const N = n + m;
  const variance = ((n * m) / 12) * (N + 1 - tieTerm / (N * (N - 1)));
  if (variance <= 0) return { u, pValue: 1, method: 'normal', minPValue };
  const z = (Math.abs(u - meanU) - 0.5) / Math.sqrt(variance);
  return { u, pValue: Math.min(1, 2 * (1 - normalCdf(Math.max(0, z)))), method: 'normal', minPValue };
}

/** counts[k] = number of arrangements of n "a" and m "b" values with U = k (no ties). */
function exactUDistribution(n: number, m: number): number[] {
  // f(i, j) = distribution of U for i a's and j b's: the largest value is either
  // an a (which then beats all j b's: shift by j) or a b.
  let previous: number[][] = [];
  for (let i = 0; i <= n; i++) {
    const row: number[][] = [];
    for (let j = 0; j <= m; j++) {
      if (i === 0 || j === 0) {
        row.push([1]);
        continue;
      }
      const withA = previous[j]!;
      const withB = row[j - 1]!;
      const dist = new Array<number>(i * j + 1).fill(0);
      withA.forEach((count, k) => (dist[k + j]! += count));
      withB.forEach((count, k) => (dist[k]! += count));
      row.push(dist);
    }
    previous = row;
  }
  return previous[m]!;
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return result;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erf; |error| < 1.5e-7, plenty for a p-value). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** A shift of B against A with its confidence interval (ns). */
export interface ShiftEstimate {
  /** Hodges-Lehmann estimate: the median of all pairwise differences b − a. */
  shiftNs: number;
  /** Lower and upper bound of the distribution-free interval; null when the samples are too small for the asked confidence. */
  lowNs: number | null;
  highNs: number | null;
  /** The interval's confidence (e.g. 0.95). */
  confidence: number;
}

/**
 * Hodges-Lehmann shift of `b` against `a` with the rank-based (Moses) confidence
 * interval that belongs to the Mann-Whitney test: the k-th smallest and k-th
 * largest pairwise difference, k from the null distribution of U (exact for
 * small samples, normal approximation above n·m = 2500). Robust to the one slow
 * outlier run that moves a mean, and needs no normality.
 */
export function hodgesLehmannShift(a: readonly number[], b: readonly number[], confidence = 0.95): ShiftEstimate {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return { shiftNs: Number.NaN, lowNs: null, highNs: null, confidence };
  const differences = new Float64Array(n * m);
  let index = 0;
  for (const x of a) for (const y of b) differences[index++] = y - x;
  differences.sort();
  const total = differences.length;
  const mid = (total - 1) / 2;
  const shiftNs = (differences[Math.floor(mid)]! + differences[Math.ceil(mid)]!) / 2;
  const k = intervalRank(n, m, (1 - confidence) / 2);
  if (k < 1 || k > total - k + 1) return { shiftNs, lowNs: null, highNs: null, confidence };
  return { shiftNs, lowNs: differences[k - 1]!, highNs: differences[total - k]!, confidence };
}

/** The largest c with P(U ≤ c − 1) ≤ tail under the null (0 when even U = 0 is too likely). */
function intervalRank(n: number, m: number, tail: number): number {
  if (n * m <= 2500) {
    const counts = exactUDistribution(n, m);
    const total = counts.reduce((sum, count) => sum + count, 0);
    let cumulative = 0;
    let c = 0;
    while (c < counts.length) {
      cumulative += counts[c]!;
      if (cumulative / total > tail) break;
      c++;
    }
    return c;
  }
  const z = normalQuantile(1 - tail);
  return Math.max(0, Math.floor((n * m) / 2 - z * Math.sqrt((n * m * (n + m + 1)) / 12)));
}

/** Standard normal quantile by bisection on the CDF (only used for large samples; precision is ample). */
function normalQuantile(p: number): number {
  let low = -10;
  let high = 10;
  for (let i = 0; i < 80; i++) {
    const mid = (low + high) / 2;
    if (normalCdf(mid) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/**
 * Holm-Bonferroni adjusted p-values, in the input order: a row is a discovery
 * at level alpha when its adjusted p is below alpha, and the chance that *any*
 * row of the table is flagged by noise alone stays below alpha (family-wise
 * error). Needed because a comparison tests many rows at once (total, stages,
 * every call path): at p < 0.05 each, 40 rows of two identical configurations
 * would show about two "changes" by chance alone. Holm rather than a false
 * discovery rate, because a reader acts on each ▲ row by itself.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach((entry, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * entry.p));
    adjusted[entry.i] = running;
  });
  return adjusted;
}

/** The smallest two-sided Mann-Whitney p-value n vs m runs can produce (complete separation). */
export function smallestPValue(n: number, m: number): number {
  if (n === 0 || m === 0) return 1;
  return Math.min(1, 2 / binomial(n + m, n));
}

/** Fewest runs per side (equal sides) for which one changed row can pass `alpha` among `rows` tested rows. */
export function runsNeeded(rows: number, alpha: number): number {
  let n = 2;
  while (smallestPValue(n, n) >= alpha / Math.max(1, rows) && n < 1000) n++;
  return n;
}
