// Planner speed at cluster scale, planned as the operator plans them: all the pipelines of a
// namespace together (operator/planner/namespace.ts). Two generated clusters of random DAGs
// (chains, fan-out, joins, general DAGs) over two GPU products:
// - 100 pipelines × 10 stages over 512 GPUs (target < 100 ms);
// - 1,000 pipelines × 5 stages over 2,048 GPUs (target < 1 s).
// Each is timed cold (its first plan in this process; the small cluster goes first) and warm (the
// median of the next runs, as an operator that has been running re-plans). The headline is CPU time (user +
// system of this process, one thread): on a shared machine wall time also counts other
// processes' turns; both are reported. Plans are made for Poisson arrivals, as vpo plans by
// default (headroom.ts); the same clusters planned for steady ones (`--plan-for steady`, Nexus's
// arithmetic) are timed beside them.
import { performance } from 'node:perf_hooks';
import { gpuNode, pipeline } from '../operator/planner/fixtures.test-support.ts';
import { planNamespace } from '../operator/planner/namespace.ts';
import {
  DEFAULT_PLAN_FOR,
  type NamespacePlanRequest,
  type PlanFor,
  type PlannerSession,
  type PlannerStage,
} from '../operator/planner/types.ts';
import type { BenchFigure } from './run.ts';
import { mulberry32, T4, V100 } from './workloads/planner-workloads.ts';

export function cluster(
  pipelines: number,
  stagesEach: number,
  gpus: number,
  seed: number,
  arrivals: PlanFor = DEFAULT_PLAN_FOR,
): NamespacePlanRequest {
  const rand = mulberry32(seed);
  const nodeCount = gpus / 8;
  const nodes = Array.from({ length: nodeCount }, (_, i) =>
    i % 2 === 0 ? gpuNode(`t4-${i}`, T4, 8, 16_384) : gpuNode(`v100-${i}`, V100, 8, 32_768),
  );
  const sessions: PlannerSession[] = [];
  const out = [];
  for (let p = 0; p < pipelines; p++) {
    const stages: PlannerStage[] = [];
    for (let s = 0; s < stagesEach; s++) {
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
      ...pipeline(`p${p}`, stages, load, { ingestAllowanceMs: 200, hopAllowanceMs: 20 }),
      arrivals,
    });
  }
  return { namespace: 'media', pipelines: out, sessions, nodes };
}

interface Timing {
  /** CPU time of this process (user + system), ms: what the plan costs, whatever else runs. */
  cpuMs: number;
  wallMs: number;
}

function measure(f: () => void): Timing {
  const cpu = process.cpuUsage();
  const start = performance.now();
  f();
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - start };
}

/** The first plan of a cluster in this process (cold), then the median of `warmRuns` more. */
function timed(request: NamespacePlanRequest, warmRuns: number) {
  let plan: ReturnType<typeof planNamespace> | undefined;
  const cold = measure(() => {
    plan = planNamespace(request);
  });
  if (!plan) throw new Error('no plan');
  const warm = Array.from({ length: warmRuns }, () => measure(() => planNamespace(request)));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return {
    cold,
    warm: { cpuMs: median(warm.map((w) => w.cpuMs)), wallMs: median(warm.map((w) => w.wallMs)) },
    planned: plan.pipelines.filter((p) => p.outcome.ok).length,
    gpus: plan.totals.gpus,
    alone: plan.totals.gpusAlone,
  };
}

export async function run(_args: string[]): Promise<BenchFigure[]> {
  const figure = (
    name: string,
    target: string,
    pipelines: number,
    r: ReturnType<typeof timed>,
  ): BenchFigure => ({
    name,
    value: Math.round(r.warm.cpuMs),
    unit: 'ms (CPU, warm)',
    target,
    warmWallMs: Math.round(r.warm.wallMs),
    coldCpuMs: Math.round(r.cold.cpuMs),
    coldWallMs: Math.round(r.cold.wallMs),
    pipelines,
    planned: r.planned,
    gpusPlanned: r.gpus,
    gpusIfPlannedAlone: r.alone,
  });
  const small = timed(cluster(100, 10, 512, 512), 7);
  const large = timed(cluster(1000, 5, 2048, 2048), 5);
  const steady = { target: 'informational: planned for steady arrivals (--plan-for steady)' };
  return [
    figure('planner.plan100x10Stages512Gpus', '< 100', 100, small),
    figure('planner.plan1000x5Stages2048Gpus', '< 1000', 1000, large),
    figure(
      'planner.plan100x10Stages512Gpus.steady',
      steady.target,
      100,
      timed(cluster(100, 10, 512, 512, 'steady'), 7),
    ),
    figure(
      'planner.plan1000x5Stages2048Gpus.steady',
      steady.target,
      1000,
      timed(cluster(1000, 5, 2048, 2048, 'steady'), 5),
    ),
  ];
}
