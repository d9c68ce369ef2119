// From planned GPUs to the plan's backend groups and per-stage figures (DESIGN.md step 6/7).
// Identical GPUs (same sessions, batches, rates and duty cycle) form one group: one Deployment
// with `replicas` pods, one GPU each.
import type { PlannedGpu, StageTask } from './saturate.ts';
import type { BackendGroupPlan, StagePlan } from './types.ts';

const MICROS_PER_SECOND = 1e6;

export interface GpuGroup {
  gpu: PlannedGpu;
  replicas: number;
}

function signature(gpu: PlannedGpu): string {
  const parts = gpu.placements.map((p) => `${p.task.key}@${p.batchSize}@${p.rateVps}`);
  return `${gpu.saturated ? 's' : 'p'}|${gpu.dutyCycleMicros}|${parts.join('|')}`;
}

/** Groups identical GPUs, keeping the order in which each kind first appears. */
export function groupGpus(gpus: PlannedGpu[]): GpuGroup[] {
  const groups: GpuGroup[] = [];
  const bySignature = new Map<string, GpuGroup>();
  for (const gpu of gpus) {
    const key = signature(gpu);
    const seen = bySignature.get(key);
    if (seen) seen.replicas++;
    else {
      const group = { gpu, replicas: 1 };
      bySignature.set(key, group);
      groups.push(group);
    }
  }
  return groups;
}

/** Busy time per duty cycle on one GPU, µs. */
export function busyMicros(gpu: PlannedGpu): number {
  return gpu.placements.reduce((s, p) => s + p.task.profile.latencyMicros[p.batchSize]!, 0);
}

export function memoryMiB(gpu: PlannedGpu): number {
  return gpu.placements.reduce((s, p) => s + p.task.profile.memoryMiB[p.batchSize]!, 0);
}

/** The pipelines a GPU serves, sorted. */
export function pipelinesOn(gpu: PlannedGpu): string[] {
  return [...new Set(gpu.placements.map((p) => p.task.pipeline))].sort();
}

export function toBackendGroup({ gpu, replicas }: GpuGroup, name: string, product: string): BackendGroupPlan {
  // A saturated GPU's cycle is one batch; reported in whole µs, rounded up so Σℓ ≤ duty holds.
  const dutyCycleMicros = gpu.saturated ? Math.ceil(gpu.dutyCycleMicros) : gpu.dutyCycleMicros;
  return {
    name,
    gpuProduct: product,
    replicas,
    dutyCycleMicros,
    occupancy: busyMicros(gpu) / dutyCycleMicros,
    memoryMiB: memoryMiB(gpu),
    saturated: gpu.saturated,
    pipelines: pipelinesOn(gpu),
    sessions: gpu.placements.map((p) => ({
      pipeline: p.task.pipeline,
      stage: p.task.stage,
      session: p.task.session,
      batchSize: p.batchSize,
      rateVps: p.rateVps,
    })),
  };
}

/**
 * Per stage: capacity and replicas over the groups hosting it, and its GPU share: on each group,
 * replicas × its batch latency over the group's busy time per cycle, so that the shares of all
 * stages on a group add up to the group's GPUs.
 */
export function toStagePlans(tasks: StageTask[], groups: GpuGroup[]): StagePlan[] {
  return tasks.map((task) => {
    let capacityVps = 0;
    let gpuShare = 0;
    let replicas = 0;
    let batchSize = 0;
    for (const { gpu, replicas: n } of groups) {
      const busy = busyMicros(gpu);
      for (const p of gpu.placements) {
        if (p.task !== task) continue;
        const latency = p.task.profile.latencyMicros[p.batchSize]!;
        capacityVps += (n * p.batchSize * MICROS_PER_SECOND) / gpu.dutyCycleMicros;
        gpuShare += (n * latency) / busy;
        replicas += n;
        batchSize = Math.max(batchSize, p.batchSize);
      }
    }
    return {
      name: task.stage,
      session: task.session,
      latencyBudgetMs: task.budgetMs,
      rateVps: task.rateVps,
      capacityVps,
      gpuShare,
      replicas,
      batchSize,
    };
  });
}
