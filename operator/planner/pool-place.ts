// Placing pools (namespace.ts): the pipelines of a namespace that share one product and node
// selector, packed together (pool-pack.ts) and placed in a fixed order against the free GPUs.
// When a pool does not fit, its pipelines that planned before keep their place and the newest are
// left out (overflow), to try their next product.

import type { ProductOptions } from './plan-product.ts';
import type { PoolPacking } from './pool-pack.ts';
import { packPool } from './pool-pack.ts';
import type { CandidateInput, PendingProduct, ProductCandidate } from './product-choice.ts';
import { byName, completeCandidates } from './product-choice.ts';
import type { NamespacePlanRequest } from './types.ts';

export interface Entry {
  name: string;
  /** The product it is planned on now: its best, or a later one when the best ran out of GPUs. */
  candidate: ProductCandidate;
  /** Every product it may use that was prepared, best first (product-choice.ts). */
  ranked: ProductCandidate[];
  /** Products left unprepared because they could not beat the best. */
  pending: PendingProduct[];
  input: CandidateInput;
  /** Products whose pool had no room for it (never tried again). */
  leftOutOf: Set<string>;
}

export const fits = (c: ProductCandidate) => c.aloneGpus <= (c.inventory?.availableGpus ?? 0);

/** A product the entry has not been left out of yet, best first (the pending ones prepared then). */
export function nextCandidate(e: Entry, options: ProductOptions): ProductCandidate | undefined {
  e.leftOutOf.add(e.candidate.product);
  const fresh = (list: ProductCandidate[]) => list.find((c) => !e.leftOutOf.has(c.product));
  return fresh(e.ranked) ?? fresh(allCandidates(e, options));
}

export const othersOf = (e: Entry) => e.ranked.filter((c) => c !== e.candidate);

export interface Pool {
  key: string;
  product: string;
  entries: Entry[];
  packing?: PoolPacking;
}

export function poolKey(e: Entry): string {
  const p = e.candidate.prepared.pipeline;
  if (p.dedicatedGpus) return `dedicated|${p.name}`;
  const selector = Object.entries(p.nodeSelector).sort(([a], [b]) => byName(a, b));
  return `shared|${e.candidate.product}|${JSON.stringify(selector)}`;
}

/** Packs the pool, or the longest prefix of it (incumbents first) that fits `availableGpus`. */
export function placePool(
  namespace: string,
  pool: Pool,
  availableGpus: number,
  request: NamespacePlanRequest,
  options: ProductOptions,
): { packing: PoolPacking; placed: number } | { error: string } {
  const memory = pool.entries[0]!.candidate.inventory?.gpuMemoryMiB ?? Number.POSITIVE_INFINITY;
  const pack = (n: number) =>
    packPool(
      namespace,
      pool.entries.slice(0, n).map((e) => e.candidate.prepared),
      pool.product,
      memory,
      request.previous ?? [],
      options,
    );
  const all = pack(pool.entries.length);
  if ('error' in all) return all;
  if (all.gpus <= availableGpus) return { packing: all, placed: pool.entries.length };
  // Binary search on the prefix: GPUs grow with it, near enough; the answer is checked to fit.
  let lo = 0;
  let hi = pool.entries.length - 1;
  let best: PoolPacking | undefined;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    const packed = pack(mid);
    if (!('error' in packed) && packed.gpus <= availableGpus) {
      lo = mid;
      best = packed;
    } else hi = mid - 1;
  }
  if (lo === 0 || !best) return { packing: { ...all, groups: [], gpus: 0 }, placed: 0 };
  return { packing: best, placed: lo };
}

export const memoryOf = (c: ProductCandidate) => c.inventory?.gpuMemoryMiB ?? Number.POSITIVE_INFINITY;

export interface Placement {
  placedPools: { pool: Pool; packing: PoolPacking; placed: Entry[] }[];
  overflow: Entry[];
  errors: Map<string, string>;
  usedByPools: Record<string, number>;
}

/** Pools from the entries' current products, placed in key order against the free GPUs. */
export function placeAll(
  namespace: string,
  entries: Entry[],
  order: (e: Entry) => number,
  request: NamespacePlanRequest,
  options: ProductOptions,
): Placement {
  const pools = new Map<string, Pool>();
  for (const e of entries) {
    const key = poolKey(e);
    const pool = pools.get(key) ?? { key, product: e.candidate.product, entries: [] };
    pool.entries.push(e);
    pools.set(key, pool);
  }
  const placement: Placement = { placedPools: [], overflow: [], errors: new Map(), usedByPools: {} };
  const used = placement.usedByPools;
  for (const pool of [...pools.values()].sort((a, b) => byName(a.key, b.key))) {
    pool.entries.sort((a, b) => order(a) - order(b) || byName(a.name, b.name));
    const free = (pool.entries[0]!.candidate.inventory?.availableGpus ?? 0) - (used[pool.product] ?? 0);
    const result = placePool(namespace, pool, Math.max(0, free), request, options);
    if ('error' in result) {
      for (const e of pool.entries) placement.errors.set(e.name, `on ${pool.product}: ${result.error}`);
      continue;
    }
    used[pool.product] = (used[pool.product] ?? 0) + result.packing.gpus;
    placement.placedPools.push({
      pool,
      packing: result.packing,
      placed: pool.entries.slice(0, result.placed),
    });
    placement.overflow.push(...pool.entries.slice(result.placed));
  }
  return placement;
}

/** Every product the entry may use, prepared (the pending ones are prepared here, once). */
export function allCandidates(e: Entry, options: ProductOptions): ProductCandidate[] {
  if (e.pending.length === 0) return e.ranked;
  const all = completeCandidates(e.input, options);
  e.pending = [];
  if (all.ok) {
    const tried = new Set(e.ranked.map((c) => c.product));
    e.ranked = [...e.ranked, ...all.candidates.filter((c) => !tried.has(c.product))];
  }
  return e.ranked;
}
