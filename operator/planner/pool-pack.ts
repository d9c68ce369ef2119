// Packs one pool — the pipelines of a namespace that share GPUs of one product under one node
// selector (namespace.ts) — into backend groups. Three packings are compared:
// - fresh: every residual of the pool packed together (joint-pack.ts);
// - kept: the last plan's packed groups kept where they still work (stable-pack.ts), the other
//   residuals packed beside them;
// - alone: each pipeline packed on its own, the upper bound sharing must never exceed.
// Kept wins unless it needs more than max(1, 5%) GPUs over fresh (or more than alone): re-plans
// then leave unrelated pipelines' pods alone, and a namespace is re-packed as a whole only when
// that saves GPUs worth a restart.
import type { GpuGroup } from './backends.ts';
import { groupGpus } from './backends.ts';
import { packJointly, packResiduals } from './joint-pack.ts';
import type { PreparedPipeline, ProductOptions } from './plan-product.ts';
import type { PlannedGpu } from './saturate.ts';
import { keepGroups } from './stable-pack.ts';
import type { PreviousGroup } from './types.ts';

export type PoolMode = 'fresh' | 'kept' | 'alone';

export interface PoolPacking {
  /** Groups in plan order; `name` is set on kept ones. */
  groups: { group: GpuGroup; name?: string }[];
  gpus: number;
  mode: PoolMode;
  /** GPUs of a fresh joint packing and of every pipeline alone, for the explanation. */
  freshGpus: number;
  aloneGpus: number;
  /** GPUs keeping the last plan's groups would take (when there were any to keep). */
  keptGpus?: number;
  /** Saturated GPUs opened up to host a light residual, one line each. */
  hosted: string[];
}

const count = (p: { saturatedGpus: PlannedGpu[]; packedGpus: PlannedGpu[] }) =>
  p.saturatedGpus.length + p.packedGpus.length;

/** GPUs a kept packing may need over a fresh one before the pool is re-packed as a whole. */
export function repackSlackGpus(freshGpus: number): number {
  return Math.max(1, Math.floor(0.05 * freshGpus));
}

export function packPool(
  namespace: string,
  prepared: PreparedPipeline[],
  product: string,
  gpuMemoryMiB: number,
  previous: PreviousGroup[],
  options: ProductOptions = {},
): PoolPacking | { error: string } {
  const aloneGpus = prepared.reduce((n, p) => n + count(p.alone), 0);
  const fresh = packJointly(prepared, gpuMemoryMiB, options);
  if (!fresh.ok) return { error: fresh.message };
  const freshGpus = count(fresh);
  const plain = (gpus: PlannedGpu[]) => groupGpus(gpus).map((group) => ({ group }));
  const freshPacking: PoolPacking = {
    groups: plain([...fresh.saturatedGpus, ...fresh.packedGpus]),
    gpus: freshGpus,
    mode: fresh.alone && prepared.length > 1 ? 'alone' : 'fresh',
    freshGpus,
    aloneGpus,
    hosted: fresh.hosted,
  };
  if (previous.length === 0) return freshPacking;
  const residuals = prepared.flatMap((p) => p.residuals);
  const { kept, rest } = keepGroups(namespace, previous, residuals, product, gpuMemoryMiB);
  if (kept.length === 0) return freshPacking;
  const lowerBoundGpus = prepared.reduce((s, p) => s + p.fractionalOptimumGpus, 0) - kept.length;
  // Only the saturated GPUs of pipelines with residuals to re-pack may be opened up to host one:
  // the others' groups stay as they are.
  const touched = new Set(rest.map((r) => r.task.pipeline));
  const saturated = prepared.flatMap((p) => p.saturatedGpus);
  const open = saturated.filter((g) => touched.has(g.placements[0]!.task.pipeline));
  const fixed = saturated.filter((g) => !touched.has(g.placements[0]!.task.pipeline));
  const others = packResiduals(open, rest, gpuMemoryMiB, { lowerBoundGpus }, options);
  if (!others.ok) return freshPacking;
  const gpus = fixed.length + count(others) + kept.length;
  freshPacking.keptGpus = gpus;
  if (gpus > freshGpus + repackSlackGpus(freshGpus) || gpus > aloneGpus) return freshPacking;
  return {
    groups: [
      ...plain([...fixed, ...others.saturatedGpus]),
      ...kept.map((k) => ({ group: { gpu: k.gpu, replicas: 1 }, name: k.name })),
      ...plain(others.packedGpus),
    ],
    keptGpus: gpus,
    gpus,
    mode: 'kept',
    freshGpus,
    aloneGpus,
    hosted: others.hosted,
  };
}
