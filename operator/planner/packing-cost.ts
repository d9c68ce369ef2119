// The packing-aware cost of a stage for the SLO split (DESIGN.md "The planner", step 3). Nexus's
// query analysis costs a session by the GPUs it really takes: whole saturated GPUs plus the share
// of a GPU its residual occupies when it runs alone in the squishy packer. For a light stage that
// share is ℓ(b)/d, which is large at a short budget (short duty cycle, small batch) and shrinks as
// the budget grows, so this cost pushes light stages toward budgets long enough to share a duty
// cycle with heavier ones — where Σ R/TP* would hand them almost nothing (their fractional GPUs
// are tiny at any budget) and strand them on a GPU of their own.

import { type Arrivals, fillMicros, usableItems } from './headroom.ts';
import type { BatchProfile } from './profile.ts';
import { saturatedBatch, usableThroughputVps } from './profile.ts';

const MICROS_PER_SECOND = 1e6;
/** Same noise thresholds as saturate.ts. */
const RESIDUAL_EPSILON = 1e-9;

/**
 * Occupancy ℓ(b)/d of a residual of `rateVps` alone on a GPU within `budgetMicros`, following
 * squishy-pack.ts `alone` (largest b with b/r + ℓ(b) ≤ budget and ℓ(b) ≤ b/r; else the fastest
 * batch with d = budget − ℓ(b)), but in O(log maxBatch): it assumes ℓ grows with b, as profiles
 * do. It only steers the split; the chosen split is packed by the real packer. Infinity if none.
 */
export function aloneOccupancy(
  profile: BatchProfile,
  rateVps: number,
  budgetMicros: number,
  arrivals: Arrivals,
): number {
  const perMicro = rateVps / MICROS_PER_SECOND;
  const latency = profile.latencyMicros;
  const fill = (b: number) => fillMicros(b, latency[b]!, perMicro, budgetMicros, arrivals);
  const fits = (b: number) => fill(b) > 0;
  let lo = 0;
  let hi = profile.maxBatch;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  for (let b = lo; b >= 1; b--) {
    const d = fill(b);
    if (d > 0 && latency[b]! <= d) return latency[b]! / d;
  }
  const b = profile.batchesByLatency[0]!;
  const l = latency[b]!;
  const duty = Math.floor(Math.min(usableItems(b, 1, arrivals) / perMicro, budgetMicros - l));
  return duty > 0 && l <= duty ? l / duty : Number.POSITIVE_INFINITY;
}

/**
 * Saturated GPUs ⌊R/TP(B)⌋ plus the residual's occupancy alone, at `budgetMs`. `saturated`: B and
 * TP(B) at this budget when the caller has them (throughput-sweep.ts), else they are searched.
 */
export function packingCostGpus(
  profile: BatchProfile,
  rateVps: number,
  budgetMs: number,
  arrivals: Arrivals,
  saturated?: { batch: number; throughputVps: number },
): number {
  if (rateVps <= 0) return 0;
  const batch = saturated?.batch ?? saturatedBatch(profile, budgetMs * 1000, arrivals);
  if (batch === 0) return Number.POSITIVE_INFINITY;
  const tp = saturated?.throughputVps ?? usableThroughputVps(profile, batch, budgetMs * 1000, arrivals);
  const count = Math.floor(rateVps / tp + RESIDUAL_EPSILON);
  const residual = rateVps - count * tp;
  if (residual <= rateVps * RESIDUAL_EPSILON) return count;
  // As saturate.ts: a residual no batch can serve alone is one GPU more.
  const occupancy = aloneOccupancy(profile, residual, budgetMs * 1000, arrivals);
  return count + (Number.isFinite(occupancy) ? occupancy : 1);
}
