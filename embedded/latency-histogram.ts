// Latency percentiles in fixed memory, however many videos a run has: a histogram with
// log-spaced buckets (each 1% wider than the one before, from 0.1 ms to about 28 hours), so a
// percentile is read to within 1% of the nearest-rank value. The per-video numbers are not kept:
// each video's row is streamed out as it settles.
const MIN_MS = 0.1;
const GROWTH = 1.01;
const BUCKETS = 2200;
const LOG_GROWTH = Math.log(GROWTH);

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS + 1);
  private maxMs = 0;
  count = 0;

  /** Bucket i holds values in (MIN_MS·GROWTH^(i-1), MIN_MS·GROWTH^i]; bucket 0 everything ≤ MIN_MS. */
  private static bucketOf(ms: number): number {
    if (!(ms > MIN_MS)) return 0;
    return Math.min(BUCKETS, Math.ceil(Math.log(ms / MIN_MS) / LOG_GROWTH - 1e-9));
  }

  record(ms: number): void {
    this.counts[LatencyHistogram.bucketOf(ms)]!++;
    this.count++;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /** Nearest-rank percentile (p in 0..100), as its bucket's upper bound (≤ the largest value); 0 for none. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i <= BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.maxMs, MIN_MS * GROWTH ** i);
    }
    return this.maxMs;
  }
}
