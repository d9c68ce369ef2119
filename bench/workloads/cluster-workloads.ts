// Generated namespace mixes for the planner-cluster benchmark: whole namespaces of pipelines, as
// the operator plans them together. Seeded (mulberry32): every run plans the same inputs.
// - zipf: Nexus's game mix (SOSP'19 §7.1) as 20 single-model video pipelines with Zipf-0.9
//   popularity, at several total rates and SLOs;
// - dag-shared: video DAG pipelines (scene ∥ detect → classify, fusion of scene and detect) whose
//   models come from one shared pool, so a model serves several pipelines;
// - memory-bound: 8 pipelines of large models (5–10 GiB at batch 1) on 16 GiB GPUs;
// - two-products: the zipf mix profiled on two products.
import { stage } from '../../operator/planner/fixtures.test-support.ts';
import type {
  GpuNode,
  NamespacePlanRequest,
  PlannerPipeline,
  PlannerSession,
} from '../../operator/planner/types.ts';
import { gameMix, mulberry32, type Random, T4, V100, type Workload } from './planner-workloads.ts';

export interface ClusterWorkload {
  family: string;
  name: string;
  request: NamespacePlanRequest;
}

const between = (rand: Random, lo: number, hi: number) => lo + (hi - lo) * rand();

/** A planner-workloads Workload as one namespace's request. */
function asNamespace(w: Workload, family = w.family): ClusterWorkload {
  return {
    family,
    name: w.name,
    request: { namespace: 'media', pipelines: w.pipelines, sessions: w.sessions, nodes: w.nodes },
  };
}

/** Clip models on a T4 (and a V100, 2× faster): ℓ(b) = fixed + perItem·b up to batch 32. */
function clipModel(rand: Random, name: string): PlannerSession {
  const fixedMs = between(rand, 20, 60);
  const perItemMs = between(rand, 4, 20);
  const points = (scale: number) =>
    [1, 8, 32].map((b) => ({
      batchSize: b,
      latencyMicros: Math.round((fixedMs + perItemMs * b) * 1000 * scale),
      memoryMiB: Math.round(800 + 60 * b),
    }));
  return {
    name,
    maxBatchSize: 32,
    profiles: [
      { gpuProduct: T4, points: points(1) },
      { gpuProduct: V100, points: points(0.5) },
    ],
  };
}

/** `count` DAG pipelines whose stages draw their models from a pool of `models`. */
function sharedDags(rand: Random, name: string, count: number, models: number): ClusterWorkload {
  const sessions = Array.from({ length: models }, (_, i) => clipModel(rand, `${name}-m${i}`));
  const pick = () => sessions[Math.floor(rand() * models)]!.name;
  const pipelines: PlannerPipeline[] = Array.from({ length: count }, (_, i) => {
    const stages = [
      stage('scene', ['source'], 1, pick()),
      stage('detect', ['source'], 1, pick()),
      stage('classify', ['detect'], 1, pick()),
      stage('fusion', ['scene', 'detect'], 1, pick()),
    ];
    return {
      namespace: 'media',
      name: `${name}-p${i}`,
      videosPerSecond: between(rand, 0.5, 40),
      peakFactor: 1,
      sloMs: Math.round(between(rand, 1500, 6000)),
      ingestAllowanceMs: 200,
      hopAllowanceMs: 20,
      stages,
      nodeSelector: {},
      gpuProducts: [T4],
    };
  });
  const nodes: GpuNode[] = [
    {
      name: 't4',
      product: T4,
      gpus: 4096,
      memoryMiB: 16_384,
      labels: { 'nvidia.com/gpu.product': T4 },
      unschedulable: false,
    },
  ];
  return { family: 'dag-shared', name, request: { namespace: 'media', pipelines, sessions, nodes } };
}

export function clusterWorkloads(seed = 909): ClusterWorkload[] {
  const rand = mulberry32(seed);
  const out: ClusterWorkload[] = [];
  // The zipf mix at several total rates and SLOs (gameMix draws its own total; scale it).
  for (const totalVps of [1000, 5000, 20_000]) {
    for (const slo of ['tight', 'loose'] as const) {
      const w = gameMix(rand, `zipf-${totalVps}-${slo}`);
      const sum = w.pipelines.reduce((s, p) => s + p.videosPerSecond, 0);
      for (const p of w.pipelines) {
        p.videosPerSecond *= totalVps / sum;
        p.sloMs = slo === 'tight' ? Math.max(50, Math.round(p.sloMs / 2)) : p.sloMs * 2;
      }
      out.push(asNamespace(w, 'zipf'));
    }
  }
  for (let i = 0; i < 4; i++) out.push(sharedDags(rand, `dags-${i}`, 8, 5));
  for (let i = 0; i < 4; i++) out.push(asNamespace(gameMix(rand, `memory-${i}`, false, 8, 8)));
  for (let i = 0; i < 4; i++) out.push(asNamespace(gameMix(rand, `two-products-${i}`, true)));
  return out;
}
