// Partitions by planned rate (pure; shared by the operator, which picks partition counts, and the
// runtime's partition assignor, which hands them out). Keys (videoIds) hash uniformly over a
// topic's partitions, so a consumer that owns k of P partitions receives k/P of the topic's
// traffic: to give each backend pod the share of a stage the plan gave it, its partition count
// must be proportional to its planned rate. Whole partitions make that exact only up to rounding;
// `apportionError` measures the worst relative error and `partitionsForRates` picks a count that
// keeps it small.

/** Relative error per pod the partition count aims for (rounding only; hashing adds noise). */
export const TARGET_GRANULARITY_ERROR = 0.02;
/** Most partitions a pipeline's topics get for granularity (Kafka pays per partition). */
export const MAX_PARTITIONS_FOR_GRANULARITY = 1024;

/**
 * Splits `partitions` into whole counts proportional to `weights` (≥ 0), each the floor or the
 * ceiling of its quota, with the largest relative error (|count − quota| / quota) as small as
 * possible. With `capacities` (same units as the weights: what each pod can take), no count is
 * rounded up past its pod's capacity while another pod has room: a saturated pod (capacity =
 * its planned rate) is never handed more than the plan, which would grow its queue without
 * bound. All-zero weights split evenly (round robin).
 */
export function apportion(
  weights: readonly number[],
  partitions: number,
  capacities?: readonly number[],
): number[] {
  const n = weights.length;
  if (n === 0) return [];
  const clean = weights.map((w) => (Number.isFinite(w) && w > 0 ? w : 0));
  const total = clean.reduce((a, b) => a + b, 0);
  if (total === 0) return clean.map((_, i) => Math.floor(partitions / n) + (i < partitions % n ? 1 : 0));
  const quotas = clean.map((w) => (partitions * w) / total);
  const counts = quotas.map((q) => Math.floor(q));
  const left = partitions - counts.reduce((a, b) => a + b, 0);
  if (left === 0) return counts;
  const capped = quotas.map((q, i) => {
    const c = capacities?.[i];
    return c === undefined || !Number.isFinite(c)
      ? Number.POSITIVE_INFINITY
      : Math.max(Math.floor(q), Math.floor((partitions * c) / total + 1e-9));
  });
  const raised =
    raiseFor(quotas, counts, left, capped) ??
    raiseFor(
      quotas,
      counts,
      left,
      quotas.map(() => Number.POSITIVE_INFINITY),
    )!;
  for (const i of raised) counts[i]!++;
  return counts;
}

/**
 * Which `left` weights take the ceiling of their quotas. The worst relative error is at most T
 * when every weight below (floor error > T) is raised and no raised weight overshoots by more
 * than T or passes its cap: the least such T over the 2n candidate errors. Undefined when the
 * caps leave no way.
 */
function raiseFor(
  quotas: readonly number[],
  counts: readonly number[],
  left: number,
  maxCount: readonly number[],
): number[] | undefined {
  const live = quotas.map((_q, i) => i).filter((i) => quotas[i]! > 0);
  const under = (i: number) => (quotas[i]! - counts[i]!) / quotas[i]!;
  const over = (i: number) => (counts[i]! + 1 - quotas[i]!) / quotas[i]!;
  const room = (i: number) => counts[i]! + 1 <= maxCount[i]!;
  const candidates = [...new Set(live.flatMap((i) => [under(i), over(i)]))].sort((a, b) => a - b);
  const raisable = (i: number, t: number) => over(i) <= t && room(i);
  const feasible = (t: number) => {
    const must = live.filter((i) => under(i) > t);
    const can = live.filter((i) => raisable(i, t)).length;
    return must.length <= left && left <= can && must.every((i) => raisable(i, t));
  };
  let lo = 0;
  let hi = candidates.length - 1;
  if (candidates.length === 0 || !feasible(candidates[hi]!)) return undefined;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (feasible(candidates[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  const t = candidates[lo]!;
  // Raise those that must be, then, of those that may, the ones furthest below their quotas.
  return live
    .filter((i) => raisable(i, t))
    .sort((a, b) => Number(under(b) > t) - Number(under(a) > t) || under(b) - under(a) || a - b)
    .slice(0, left);
}

/** Largest |share received − share planned| / share planned over the weights > 0. */
export function apportionError(weights: readonly number[], counts: readonly number[]): number {
  const total = weights.reduce((a, w) => a + (w > 0 ? w : 0), 0);
  const partitions = counts.reduce((a, b) => a + b, 0);
  if (total === 0 || partitions === 0) return 0;
  let worst = 0;
  weights.forEach((w, i) => {
    if (!(w > 0)) return;
    const planned = w / total;
    worst = Math.max(worst, Math.abs((counts[i] ?? 0) / partitions - planned) / planned);
  });
  return worst;
}

/**
 * The partition count for topics whose consumers are weighted by `rateSets` (one list of per-pod
 * planned rates per stage): the smallest count ≥ `minPartitions` whose rounding error is within
 * `targetError` for every stage and, with `capacitySets`, that leaves no pod above its capacity,
 * searched up to `maxPartitions`; if none is, the count that comes closest (within capacity
 * first, then the least error). Returns the count and its error.
 */
export function partitionsForRates(
  rateSets: readonly (readonly number[])[],
  minPartitions: number,
  maxPartitions = MAX_PARTITIONS_FOR_GRANULARITY,
  targetError = TARGET_GRANULARITY_ERROR,
  capacitySets?: readonly (readonly number[])[],
): { partitions: number; error: number } {
  const at = (p: number) => {
    let error = 0;
    let over = false;
    rateSets.forEach((rates, k) => {
      const caps = capacitySets?.[k];
      const counts = apportion(rates, p, caps);
      error = Math.max(error, apportionError(rates, counts));
      const total = rates.reduce((a, r) => a + (r > 0 ? r : 0), 0);
      if (caps) over ||= counts.some((c, i) => (c / p) * total > caps[i]! * (1 + 1e-9));
    });
    return { partitions: p, error, over };
  };
  const first = Math.max(1, minPartitions);
  let best = at(first);
  for (let p = first; p <= Math.max(first, maxPartitions); p++) {
    const here = p === first ? best : at(p);
    if (here.error <= targetError && !here.over) return { partitions: p, error: here.error };
    const better = Number(here.over) - Number(best.over) || here.error - best.error;
    if (better < -1e-12) best = here;
  }
  return { partitions: best.partitions, error: best.error };
}
