// Builders for planner tests and benchmarks: small, readable pipelines, sessions and nodes.
import type { GpuNode, PlannerPipeline, PlannerSession, PlannerStage, PlanRequest } from './types.ts';

/** A session whose batch latency is linear: ℓ(b) = fixedMs + perItemMs·b, profiled at 1 and maxBatch. */
export function linearSession(
  name: string,
  product: string,
  fixedMs: number,
  perItemMs: number,
  maxBatchSize: number,
  memory?: { baseMiB: number; perItemMiB: number },
): PlannerSession {
  const point = (b: number) => ({
    batchSize: b,
    latencyMicros: Math.round((fixedMs + perItemMs * b) * 1000),
    ...(memory ? { memoryMiB: memory.baseMiB + memory.perItemMiB * b } : {}),
  });
  const points = maxBatchSize > 1 ? [point(1), point(maxBatchSize)] : [point(1)];
  return { name, maxBatchSize, profiles: [{ gpuProduct: product, points }] };
}

export function stage(name: string, inputs: string[] = ['source'], fanOut = 1, session = name): PlannerStage {
  return { name, session, inputs, fanOut };
}

export function pipeline(
  name: string,
  stages: PlannerStage[],
  load: { videosPerSecond: number; sloMs: number; peakFactor?: number },
  overrides: Partial<PlannerPipeline> = {},
): PlannerPipeline {
  return {
    namespace: 'media',
    name,
    videosPerSecond: load.videosPerSecond,
    peakFactor: load.peakFactor ?? 1,
    sloMs: load.sloMs,
    ingestAllowanceMs: 0,
    hopAllowanceMs: 0,
    stages,
    nodeSelector: {},
    gpuProducts: [],
    ...overrides,
  };
}

export function gpuNode(name: string, product: string, gpus: number, memoryMiB: number): GpuNode {
  return {
    name,
    product,
    gpus,
    memoryMiB,
    labels: { 'nvidia.com/gpu.product': product },
    unschedulable: false,
  };
}

export function request(p: PlannerPipeline, sessions: PlannerSession[], nodes: GpuNode[]): PlanRequest {
  return { pipeline: p, sessions, nodes };
}

export const A100 = 'NVIDIA-A100-SXM4-80GB';
export const A100_MIB = 81_920;

/** A session profiled on the A100 only, from `[batchSize, latencyMicros, memoryMiB]` points. */
export function a100Session(
  name: string,
  maxBatchSize: number,
  points: [number, number, number][],
): PlannerSession {
  const profilePoints = points.map(([batchSize, latencyMicros, memoryMiB]) => ({
    batchSize,
    latencyMicros,
    memoryMiB,
  }));
  return { name, maxBatchSize, profiles: [{ gpuProduct: A100, points: profilePoints }] };
}
