// Builders for planner tests and benchmarks: small, readable pipelines, sessions and nodes.
import type {
  GpuNode,
  NamespacePlan,
  PlannerPipeline,
  PlannerSession,
  PlannerStage,
  PlanRequest,
  PreviousGroup,
} from './types.ts';

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
    // The hand-checked arithmetic of these tests is Nexus's deterministic model; the headroom for
    // random arrivals has its own tests (headroom.test.ts, plan.test.ts "Poisson").
    arrivals: 'steady',
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

export const T4 = 'NVIDIA-T4';
export const T4_MIB = 16_384;

/**
 * Nexus's game workload as video pipelines (SOSP'19 §7): `count` single-model pipelines with
 * Zipf-0.9 shares of `totalVps`, each its own clip model (ℓ(b) = 40–52 ms + 16–20 ms·b on a T4,
 * up to batch 32), SLO 1.5 s. At 314 videos/s: 21 GPUs planned alone, 7 shared, lower bound 5.96.
 */
export function gameNamespace(
  totalVps: number,
  count = 20,
): { pipelines: PlannerPipeline[]; sessions: PlannerSession[] } {
  const weights = Array.from({ length: count }, (_, i) => 1 / (i + 1) ** 0.9);
  const sum = weights.reduce((a, b) => a + b, 0);
  const sessions = weights.map((_, i) =>
    linearSession(`game-${i}`, T4, 40 + (i % 5) * 3, 16 + (i % 3) * 2, 32, {
      baseMiB: 1500,
      perItemMiB: 120,
    }),
  );
  const pipelines = weights.map((w, i) =>
    pipeline(`game-${i}`, [stage('infer', ['source'], 1, `game-${i}`)], {
      videosPerSecond: (totalVps * w) / sum,
      sloMs: 1500,
    }),
  );
  return { pipelines, sessions };
}

/** What a re-plan is given: the groups as the last plan had them (the operator reads its status). */
export function previousOf(ns: NamespacePlan): PreviousGroup[] {
  return ns.backends.map((b) => ({
    name: b.name,
    gpuProduct: b.gpuProduct,
    replicas: b.replicas,
    occupancy: b.occupancy,
    saturated: b.saturated,
    members: b.sessions.map((s) => ({ pipeline: s.pipeline, stage: s.stage })),
  }));
}
