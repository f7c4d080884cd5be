/**
 * A fixed-bucket log-linear latency histogram (HDR-style): 16 sub-buckets per
 * power of two from 1 µs to 2^40 µs, so any percentile it reports is within
 * ±2.2% of a value that was really recorded (half a bucket), whatever the
 * distribution. Fixed size (≈ 2.6 KiB), O(1) record, mergeable, no sampling
 * randomness: percentiles are deterministic. Chosen over a reservoir because a
 * reservoir's p99 of a long-running server is a sample of 1% of a sample.
 */
const SUB_BUCKETS_PER_OCTAVE = 16;
const OCTAVES = 40;
const MIN_NS = 1_000;
const BUCKETS = SUB_BUCKETS_PER_OCTAVE * OCTAVES + 1;

function bucketOf(valueNs: number): number {
  if (!(valueNs > MIN_NS)) return 0;
  const index = 1 + Math.floor(Math.log2(valueNs / MIN_NS) * SUB_BUCKETS_PER_OCTAVE);
  return index >= BUCKETS ? BUCKETS - 1 : index;
}

/** Geometric middle of a bucket: the value reported for every sample in it. */
function bucketMiddleNs(index: number): number {
  if (index === 0) return MIN_NS;
  return MIN_NS * 2 ** ((index - 0.5) / SUB_BUCKETS_PER_OCTAVE);
}

export class LatencyHistogram {
  #counts = new Uint32Array(BUCKETS);
  count = 0;
  sumNs = 0;
  minNs = Infinity;
  maxNs = 0;

  record(valueNs: number): void {
    if (!Number.isFinite(valueNs) || valueNs < 0) return;
    this.#counts[bucketOf(valueNs)]!++;
    this.count++;
    this.sumNs += valueNs;
    if (valueNs < this.minNs) this.minNs = valueNs;
    if (valueNs > this.maxNs) this.maxNs = valueNs;
  }

  /** The `q`-quantile (0..1) in ns, clamped to the observed min and max; NaN when empty. */
  percentileNs(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return Math.min(this.maxNs, Math.max(this.minNs, bucketMiddleNs(i)));
    }
    return this.maxNs;
  }

  get meanNs(): number {
    return this.count === 0 ? NaN : this.sumNs / this.count;
  }
}
