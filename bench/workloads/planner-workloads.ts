// Generated planner workloads for benchmarks: seeded (mulberry32), so every run plans the same
// inputs. Profiles are ResNet-50-like: ℓ(b) = fixed + perItem·b, from Nexus's (SOSP'19) setting.
import { gpuNode, pipeline, stage } from '../../operator/planner/fixtures.test-support.ts';
import type { GpuNode, PlannerPipeline, PlannerSession, PlannerStage } from '../../operator/planner/types.ts';
import { mulberry32, type Random } from '../../simulate/random.ts';

export interface Workload {
  family: string;
  name: string;
  pipelines: PlannerPipeline[];
  sessions: PlannerSession[];
  nodes: GpuNode[];
}

// The simulator's seeded generator: the same seed gives the same workloads everywhere.
export { mulberry32, type Random };

const between = (rand: Random, lo: number, hi: number) => lo + (hi - lo) * rand();

export const T4 = 'Tesla-T4';
export const V100 = 'Tesla-V100-SXM2-32GB';

interface Shape {
  fixedMs: number;
  perItemMs: number;
  baseMiB: number;
  perItemMiB: number;
}

function session(name: string, shapes: Record<string, Shape>, maxBatchSize: number): PlannerSession {
  const profiles = Object.entries(shapes).map(([gpuProduct, s]) => ({
    gpuProduct,
    points: [1, 8, maxBatchSize].map((b) => ({
      batchSize: b,
      latencyMicros: Math.round((s.fixedMs + s.perItemMs * b) * 1000),
      memoryMiB: s.baseMiB + s.perItemMiB * b,
    })),
  }));
  return { name, maxBatchSize, profiles };
}

/** ResNet-50-like on a T4, with ±30% spread between models; V100 about 2× faster. */
function resnetLike(
  rand: Random,
  name: string,
  twoProducts: boolean,
  memoryScale = 1,
  fixedMs: [number, number] = [3, 6],
  perItemMs: [number, number] = [1.4, 2.6],
): PlannerSession {
  const t4: Shape = {
    fixedMs: between(rand, ...fixedMs),
    perItemMs: between(rand, ...perItemMs),
    baseMiB: Math.round(between(rand, 600, 1200) * memoryScale),
    perItemMiB: Math.round(between(rand, 20, 60) * memoryScale),
  };
  const shapes: Record<string, Shape> = { [T4]: t4 };
  if (twoProducts) {
    shapes[V100] = { ...t4, fixedMs: t4.fixedMs * 0.6, perItemMs: t4.perItemMs * 0.45 };
  }
  return session(name, shapes, 64);
}

function zipfShares(n: number, exponent: number): number[] {
  const w = Array.from({ length: n }, (_, i) => 1 / (i + 1) ** exponent);
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / total);
}

function nodes(twoProducts: boolean): GpuNode[] {
  const out = [gpuNode('t4-pool', T4, 4096, 16_384)];
  if (twoProducts) out.push(gpuNode('v100-pool', V100, 4096, 32_768));
  return out;
}

/** Nexus's game mix: 20 single-stage sessions sharing GPUs, Zipf-0.9 rate shares, SLO 50–500 ms. */
export function gameMix(
  rand: Random,
  name: string,
  twoProducts = false,
  memoryScale = 1,
  sessionCount = 20,
): Workload {
  const totalVps = between(rand, 5000, 30_000);
  const shares = zipfShares(sessionCount, 0.9);
  const sessions: PlannerSession[] = [];
  const pipelines: PlannerPipeline[] = [];
  for (let i = 0; i < sessionCount; i++) {
    sessions.push(resnetLike(rand, `model${i}`, twoProducts, memoryScale));
    const sloMs = Math.round(between(rand, 50, 500));
    pipelines.push(
      pipeline(`game${i}`, [stage('infer', ['source'], 1, `model${i}`)], {
        videosPerSecond: totalVps * shares[i]!,
        sloMs,
      }),
    );
  }
  const family = memoryScale > 1 ? 'memory-bound' : twoProducts ? 'two-products' : 'game-mix';
  return { family, name, pipelines, sessions, nodes: nodes(twoProducts) };
}

/** A video DAG with fan-out and a join: scene ∥ detect(fanOut) → {classify, embed}, fusion(scene, detect). */
export function videoDag(rand: Random, name: string, fanOut: number, twoProducts = false): Workload {
  const names = ['scene', 'detect', 'classify', 'embed', 'fusion'];
  // Video models differ more than image classifiers: some pay a large fixed cost per batch (a
  // clip encoder), which is where giving them more of the SLO pays off.
  const sessions = names.map((n) => resnetLike(rand, `${name}-${n}`, twoProducts, 1, [2, 60], [0.3, 4]));
  const stages: PlannerStage[] = [
    stage('scene', ['source'], 1, `${name}-scene`),
    stage('detect', ['source'], fanOut, `${name}-detect`),
    stage('classify', ['detect'], 1, `${name}-classify`),
    stage('embed', ['detect'], 1, `${name}-embed`),
    stage('fusion', ['scene', 'detect'], 1, `${name}-fusion`),
  ];
  const p = pipeline(
    name,
    stages,
    {
      videosPerSecond: between(rand, 500, 4000) / Math.max(1, fanOut),
      sloMs: Math.round(between(rand, 250, 800)),
    },
    { ingestAllowanceMs: 50, hopAllowanceMs: 10 },
  );
  return { family: `dag-fanout-${fanOut}`, name, pipelines: [p], sessions, nodes: nodes(twoProducts) };
}

export function lbRatioWorkloads(seed = 2019): Workload[] {
  const rand = mulberry32(seed);
  const out: Workload[] = [];
  for (let i = 0; i < 8; i++) out.push(gameMix(rand, `game-${i}`));
  for (const fanOut of [0.1, 1, 10])
    for (let i = 0; i < 4; i++) out.push(videoDag(rand, `dag${fanOut}-${i}`, fanOut));
  // Memory-bound: 5–10 GiB per session at batch 1 on 16 GiB GPUs, so at most two share a GPU and
  // memory caps the batch; 8 large models rather than 20.
  for (let i = 0; i < 4; i++) out.push(gameMix(rand, `memory-${i}`, false, 8, 8));
  for (let i = 0; i < 4; i++) out.push(gameMix(rand, `two-products-${i}`, true));
  return out;
}

/**
 * A cluster of namespaces, each with several video pipelines planned together (scene ∥ motion →
 * fusion, the sample's shape), video-model profiles (a clip of 8–16 frames per item: tens to
 * hundreds of ms per batch), sized so the whole cluster needs about `targetGpus` GPUs.
 */
export function clusterMix(
  seed: number,
  namespaces: number,
  perNamespace: number,
  targetGpus: number,
): Workload[] {
  const rand = mulberry32(seed);
  const gpusPerPipeline = targetGpus / (namespaces * perNamespace);
  const out: Workload[] = [];
  for (let n = 0; n < namespaces; n++) {
    const sessions: PlannerSession[] = [];
    const pipelines: PlannerPipeline[] = [];
    for (let i = 0; i < perNamespace; i++) {
      const name = `ns${n}-v${i}`;
      // Video models: a fixed cost per batch and a per-clip cost, A100-like, ±50% between models.
      const shapes = [
        [between(rand, 40, 120), between(rand, 25, 60)],
        [between(rand, 60, 200), between(rand, 60, 140)],
        [between(rand, 1, 3), between(rand, 0.1, 0.3)],
      ] as const;
      const names = ['scene', 'motion', 'fusion'];
      names.forEach((stage, k) => {
        const [fixedMs, perItemMs] = shapes[k]!;
        sessions.push(
          session(`${name}-${stage}`, { [T4]: { fixedMs, perItemMs, baseMiB: 900, perItemMiB: 40 } }, 32),
        );
      });
      // Rate for about gpusPerPipeline GPUs: the two heavy stages at their batch-16 throughput.
      const tp = (k: number) => 16_000 / (shapes[k]![0] + shapes[k]![1] * 16);
      const vps = (gpusPerPipeline * between(rand, 0.6, 1.4)) / (1 / tp(0) + 1 / tp(1));
      pipelines.push(
        pipeline(
          name,
          [
            stage('scene', ['source'], 1, `${name}-scene`),
            stage('motion', ['source'], 1, `${name}-motion`),
            stage('fusion', ['scene', 'motion'], 1, `${name}-fusion`),
          ],
          { videosPerSecond: vps, sloMs: Math.round(between(rand, 4000, 10_000)) },
          { namespace: `ns${n}`, ingestAllowanceMs: 1000, hopAllowanceMs: 50 },
        ),
      );
    }
    out.push({
      family: 'cluster',
      name: `ns${n}`,
      pipelines,
      sessions,
      nodes: [gpuNode('t4-pool', T4, 4096, 16_384)],
    });
  }
  return out;
}
