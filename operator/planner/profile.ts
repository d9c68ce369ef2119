// A session's cost on one GPU product, tabulated for every integer batch size the plan may use.
// Latency between profiled batch sizes is interpolated linearly; beyond the largest profiled size
// nothing is extrapolated (API.md), so the largest profiled size is the effective maximum.
import { type Arrivals, backToBackRounds, usableItems } from './headroom.ts';
import type { PlannerSession, ProfilePoint } from './types.ts';

export interface BatchProfile {
  session: string;
  product: string;
  /** Largest batch the plan may use: ≤ maxBatchSize, ≤ largest profiled, and fits the GPU's memory. */
  maxBatch: number;
  /** latencyMicros[b] for b in 1..maxBatch (index 0 unused). */
  latencyMicros: Float64Array;
  /** memoryMiB[b] for b in 1..maxBatch (index 0 unused). */
  memoryMiB: Float64Array;
  /** Batches sorted by latency; bestBatchUpTo[i] = the highest-throughput batch among the first i+1. */
  batchesByLatency: Int32Array;
  bestBatchUpTo: Int32Array;
}

export type ProfileResult = { ok: true; profile: BatchProfile } | { ok: false; message: string };

const MICROS_PER_SECOND = 1e6;

/** Throughput of batch b in videos per second: TP(b) = b / ℓ(b). */
export function throughputVps(profile: BatchProfile, batch: number): number {
  return (batch * MICROS_PER_SECOND) / profile.latencyMicros[batch]!;
}

function interpolate(points: { x: number; y: number }[], x: number): number {
  // Points are sorted by x. Below the first point, the first point's value is used: latency and
  // memory grow with the batch, so a smaller batch costs at most that (conservative, no guess).
  const first = points[0]!;
  if (x <= first.x) return first.y;
  for (let i = 1; i < points.length; i++) {
    const hi = points[i]!;
    if (x <= hi.x) {
      const lo = points[i - 1]!;
      return lo.y + ((hi.y - lo.y) * (x - lo.x)) / (hi.x - lo.x);
    }
  }
  return points[points.length - 1]!.y;
}

function usablePoints(points: ProfilePoint[]): ProfilePoint[] {
  const valid = points.filter(
    (p) =>
      Number.isFinite(p.batchSize) &&
      p.batchSize >= 1 &&
      Number.isFinite(p.latencyMicros) &&
      p.latencyMicros > 0,
  );
  valid.sort((a, b) => a.batchSize - b.batchSize || a.latencyMicros - b.latencyMicros);
  // One point per batch size (the first after sorting: the faster measurement wins deterministically).
  return valid.filter((p, i) => i === 0 || valid[i - 1]!.batchSize !== p.batchSize);
}

/**
 * Tabulates ℓ(b) and m(b) of `session` on `product` for a GPU with `gpuMemoryMiB` (Infinity when
 * unknown). Batches whose memory does not fit are cut off; if batch 1 does not fit, it fails.
 */
export function buildProfile(session: PlannerSession, product: string, gpuMemoryMiB: number): ProfileResult {
  const profile = session.profiles.find((p) => p.gpuProduct === product);
  const points = usablePoints(profile?.points ?? []);
  if (points.length === 0) {
    return { ok: false, message: `session ${session.name} has no usable profile for ${product}` };
  }
  const largestProfiled = Math.floor(points[points.length - 1]!.batchSize);
  const maxBatchSize = Math.max(1, Math.floor(session.maxBatchSize || 1));
  const limit = Math.max(1, Math.min(maxBatchSize, largestProfiled));
  const latencyPoints = points.map((p) => ({ x: p.batchSize, y: p.latencyMicros }));
  const memoryPoints = points
    .filter((p) => p.memoryMiB !== undefined && Number.isFinite(p.memoryMiB))
    .map((p) => ({ x: p.batchSize, y: p.memoryMiB! }));
  const fallbackMiB = session.gpuMemoryMiB ?? 0;
  const memoryAt = (b: number): number => {
    if (memoryPoints.length === 0) return fallbackMiB;
    const last = memoryPoints[memoryPoints.length - 1]!;
    // Past the last measured memory, gpuMemoryMiB (memory at maxBatchSize) is the safe bound.
    if (b > last.x) return Math.max(last.y, fallbackMiB);
    return interpolate(memoryPoints, b);
  };
  if (memoryAt(1) > gpuMemoryMiB) {
    return {
      ok: false,
      message: `session ${session.name} needs ${Math.ceil(memoryAt(1))} MiB at batch 1 but ${product} has ${gpuMemoryMiB} MiB`,
    };
  }
  let maxBatch = 1;
  while (maxBatch < limit && memoryAt(maxBatch + 1) <= gpuMemoryMiB) maxBatch++;
  const latencyMicros = new Float64Array(maxBatch + 1);
  const memoryMiB = new Float64Array(maxBatch + 1);
  for (let b = 1; b <= maxBatch; b++) {
    latencyMicros[b] = interpolate(latencyPoints, b);
    memoryMiB[b] = memoryAt(b);
  }
  const batchesByLatency = Int32Array.from({ length: maxBatch }, (_, i) => i + 1);
  // Latency almost always grows with the batch: then this order is already sorted.
  let sorted = true;
  for (let b = 2; b <= maxBatch && sorted; b++) sorted = latencyMicros[b]! >= latencyMicros[b - 1]!;
  if (!sorted) batchesByLatency.sort((a, b) => latencyMicros[a]! - latencyMicros[b]! || a - b);
  const bestBatchUpTo = new Int32Array(maxBatch);
  let best = 0;
  let bestTp = -1;
  for (let i = 0; i < maxBatch; i++) {
    const b = batchesByLatency[i]!;
    const tp = b / latencyMicros[b]!;
    // Ties go to the larger batch: same throughput, fewer batches to schedule.
    if (tp > bestTp || (tp === bestTp && b > best)) {
      bestTp = tp;
      best = b;
    }
    bestBatchUpTo[i] = best;
  }
  return {
    ok: true,
    profile: {
      session: session.name,
      product,
      maxBatch,
      latencyMicros,
      memoryMiB,
      batchesByLatency,
      bestBatchUpTo,
    },
  };
}

/**
 * Throughput of batch b running back to back within a budget, videos per second: the items it
 * carries per cycle under random arrivals (headroom.ts) over ℓ(b). A request that just missed a
 * batch waits one batch, then runs in the next (Nexus, SOSP'19, §6.1 "divide by 2"): 2ℓ(b) must
 * fit; each further ℓ(b) the budget holds is a cycle a request may wait behind a backlog. Batch 1
 * is served continuously (M/D/1): it may wait budget − ℓ, a fraction of a cycle included.
 */
export function usableThroughputVps(
  profile: BatchProfile,
  batch: number,
  budgetMicros: number,
  arrivals: Arrivals,
): number {
  const l = profile.latencyMicros[batch]!;
  const rounds = backToBackRounds(batch, budgetMicros, l);
  if (rounds === 0) return 0;
  return (usableItems(batch, rounds, arrivals) * MICROS_PER_SECOND) / l;
}

/**
 * The saturated batch for a budget: the b of highest usable throughput (above); 0 if none fits.
 * Steady arrivals: the highest-throughput b whose 2ℓ(b) fits, by binary search over the batches
 * in latency order (the planner's SLO split asks this for every budget on its grid); random
 * arrivals scan the batches that fit, since headroom makes the best one depend on the budget.
 */
export function saturatedBatch(profile: BatchProfile, budgetMicros: number, arrivals: Arrivals): number {
  const order = profile.batchesByLatency;
  let lo = 0;
  let hi = order.length; // first index whose 2ℓ exceeds the budget
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (2 * profile.latencyMicros[order[mid]!]! <= budgetMicros) lo = mid + 1;
    else hi = mid;
  }
  if (lo === 0) return 0;
  if (arrivals.burst <= 0) return profile.bestBatchUpTo[lo - 1]!;
  let best = 0;
  let bestTp = 0;
  for (let i = 0; i < lo; i++) {
    const b = order[i]!;
    const tp = usableThroughputVps(profile, b, budgetMicros, arrivals);
    // Ties go to the larger batch: same throughput, fewer batches to schedule.
    if (tp > bestTp || (tp === bestTp && b > best)) {
      bestTp = tp;
      best = b;
    }
  }
  return best;
}

/** TP*(t): best usable throughput (videos/s) within `budgetMicros`; 0 if none fits. */
export function bestThroughputVps(profile: BatchProfile, budgetMicros: number, arrivals: Arrivals): number {
  const b = saturatedBatch(profile, budgetMicros, arrivals);
  return b === 0 ? 0 : usableThroughputVps(profile, b, budgetMicros, arrivals);
}
