// The learned batch latency ℓ(b) = α + β·b: an ordinary least-squares fit over recent measured
// batch latencies, seeded from the profile so that the first decisions are already informed.
// Pure: no clock, no I/O; callers keep the sample window and pass it in.

export interface LatencySample {
  batchSize: number;
  latencyMs: number;
}

export interface LatencyFit {
  /** Fixed cost of one batch, milliseconds. */
  alphaMs: number;
  /** Cost per item, milliseconds. */
  betaMs: number;
}

/** ℓ(b) in milliseconds. */
export function predictLatencyMs(fit: LatencyFit, batchSize: number): number {
  return fit.alphaMs + fit.betaMs * batchSize;
}

/**
 * Least squares over `samples`. With one distinct batch size the line goes through the origin's
 * proportional share (α = 0, β = mean latency / b): it over-estimates large batches, which errs
 * towards meeting deadlines. Negative coefficients (noise) are clamped to zero.
 */
export function fitLatency(samples: readonly LatencySample[]): LatencyFit {
  if (samples.length === 0) return { alphaMs: 0, betaMs: 0 };
  const n = samples.length;
  const meanB = samples.reduce((s, p) => s + p.batchSize, 0) / n;
  const meanL = samples.reduce((s, p) => s + p.latencyMs, 0) / n;
  let cov = 0;
  let varB = 0;
  for (const p of samples) {
    cov += (p.batchSize - meanB) * (p.latencyMs - meanL);
    varB += (p.batchSize - meanB) ** 2;
  }
  if (varB === 0) return { alphaMs: 0, betaMs: meanB > 0 ? meanL / meanB : 0 };
  const betaMs = Math.max(0, cov / varB);
  const alphaMs = Math.max(0, meanL - betaMs * meanB);
  return { alphaMs, betaMs };
}

/**
 * Adds a measurement to a sliding window of at most `maxSamples` (oldest dropped), returning a
 * new array. The profile's points stay in the fit as a prior: `fitLatency([...seed, ...window])`.
 */
export function recordLatency(
  window: readonly LatencySample[],
  sample: LatencySample,
  maxSamples: number,
): LatencySample[] {
  const next = [...window, sample];
  return next.length > maxSamples ? next.slice(next.length - maxSamples) : next;
}
