// Packing the residuals of prepared pipelines (plan-product.ts): one pipeline alone, or several
// together (squishy packing across pipelines, Nexus SOSP'19 §6.1), beside their saturated GPUs.
import type { HostedPacking, HostedResult, Residual } from './host-pack.ts';
import { packWithHosts } from './host-pack.ts';
import type { PreparedPipeline, ProductOptions } from './plan-product.ts';
import type { PlannedGpu } from './saturate.ts';
import { squishyPack } from './squishy-pack.ts';

export function packResiduals(
  saturatedGpus: PlannedGpu[],
  residuals: Residual[],
  gpuMemoryMiB: number,
  split: { lowerBoundGpus: number },
  options: ProductOptions,
): HostedResult {
  if (options.plainPacking) {
    // Nexus's packer as published: occupancy order only, no saturated GPU opened up.
    const packed = squishyPack(residuals, gpuMemoryMiB, { nexusOrderOnly: true });
    if (!packed.ok) return packed;
    return { ok: true, saturatedGpus, packedGpus: packed.gpus, residuals, hosted: [] };
  }
  return packWithHosts(saturatedGpus, residuals, gpuMemoryMiB, Math.ceil(split.lowerBoundGpus - 1e-9));
}

export interface JointPacking extends HostedPacking {
  /** True when packing all residuals together needed more GPUs than each pipeline alone. */
  alone: boolean;
}

/**
 * Packs the residuals of several prepared pipelines together beside their saturated GPUs
 * (squishy packing across pipelines, Nexus SOSP'19 §6.1), with the same host search. Greedy
 * packing is not monotone, so when the joint packing needs more GPUs than the pipelines packed
 * each on its own, their own packings are kept instead: joint never needs more than alone.
 */
export function packJointly(
  prepared: PreparedPipeline[],
  gpuMemoryMiB: number,
  options: ProductOptions = {},
): ({ ok: true } & JointPacking) | { ok: false; message: string } {
  const aloneGpus = prepared.reduce(
    (n, p) => n + p.alone.saturatedGpus.length + p.alone.packedGpus.length,
    0,
  );
  const union = (): JointPacking => ({
    saturatedGpus: prepared.flatMap((p) => p.alone.saturatedGpus),
    packedGpus: prepared.flatMap((p) => p.alone.packedGpus),
    residuals: prepared.flatMap((p) => p.alone.residuals),
    hosted: prepared.flatMap((p) => p.alone.hosted),
    alone: true,
  });
  if (prepared.length === 1) return { ok: true, ...union() };
  const lowerBoundGpus = prepared.reduce((s, p) => s + p.fractionalOptimumGpus, 0);
  const packed = packResiduals(
    prepared.flatMap((p) => p.saturatedGpus),
    prepared.flatMap((p) => p.residuals),
    gpuMemoryMiB,
    { lowerBoundGpus },
    options,
  );
  // The plain Nexus baseline keeps its own packing, whatever it costs: that is what it measures.
  if (!packed.ok) return { ok: true, ...union() };
  const { ok: _, ...joint } = packed;
  if (!options.plainPacking && joint.saturatedGpus.length + joint.packedGpus.length > aloneGpus) {
    return { ok: true, ...union() };
  }
  return { ok: true, ...joint, alone: false };
}
