// Planner speed at cluster scale: 100 pipelines × 10 stages (random DAGs: chains, fan-out, joins,
// general DAGs) planned one after another over 512 GPUs of two products, each pipeline seeing the
// GPUs the earlier plans took (usedGpus), as the operator plans them.
import { performance } from 'node:perf_hooks';
import { gpuNode, pipeline } from '../operator/planner/fixtures.test-support.ts';
import { planPipeline } from '../operator/planner/plan.ts';
import type { PlannerSession, PlannerStage, PlanRequest } from '../operator/planner/types.ts';
import type { BenchFigure } from './run.ts';
import { mulberry32, T4, V100 } from './workloads/planner-workloads.ts';

function requests(): PlanRequest[] {
  const rand = mulberry32(512);
  const nodes = Array.from({ length: 64 }, (_, i) =>
    i % 2 === 0 ? gpuNode(`t4-${i}`, T4, 8, 16_384) : gpuNode(`v100-${i}`, V100, 8, 32_768),
  );
  const out: PlanRequest[] = [];
  for (let p = 0; p < 100; p++) {
    const sessions: PlannerSession[] = [];
    const stages: PlannerStage[] = [];
    for (let s = 0; s < 10; s++) {
      const fixedMs = 2 + 40 * rand();
      const perItemMs = 0.3 + 3 * rand();
      const points = (scale: number) =>
        [1, 8, 32].map((b) => ({
          batchSize: b,
          latencyMicros: Math.round((fixedMs + perItemMs * b) * 1000 * scale),
        }));
      sessions.push({
        name: `p${p}-s${s}`,
        maxBatchSize: 32,
        gpuMemoryMiB: 2000,
        profiles: [
          { gpuProduct: T4, points: points(1) },
          { gpuProduct: V100, points: points(0.5) },
        ],
      });
      const inputs = Array.from({ length: s }, (_, j) => `st${j}`).filter(() => rand() < 2 / (s + 1));
      stages.push({
        name: `st${s}`,
        session: `p${p}-s${s}`,
        inputs: inputs.length > 0 ? inputs : ['source'],
        fanOut: 1,
      });
    }
    const load = { videosPerSecond: 0.5 + 3 * rand(), sloMs: 2000 + Math.round(3000 * rand()) };
    out.push({
      pipeline: pipeline(`p${p}`, stages, load, { ingestAllowanceMs: 200, hopAllowanceMs: 20 }),
      sessions,
      nodes,
    });
  }
  return out;
}

export async function run(_args: string[]): Promise<BenchFigure[]> {
  const all = requests();
  const start = performance.now();
  const usedGpus: Record<string, number> = {};
  let planned = 0;
  let gpus = 0;
  for (const request of all) {
    const outcome = planPipeline({ ...request, usedGpus: { ...usedGpus } });
    if (!outcome.ok) continue;
    planned++;
    gpus += outcome.plan.gpus;
    usedGpus[outcome.plan.gpuProduct] = (usedGpus[outcome.plan.gpuProduct] ?? 0) + outcome.plan.gpus;
  }
  const ms = performance.now() - start;
  return [
    {
      name: 'planner.plan100x10Stages512Gpus',
      value: Math.round(ms),
      unit: 'ms',
      target: '< 1000',
      pipelines: all.length,
      planned,
      gpusPlanned: gpus,
    },
  ];
}
