// Does a plan hold when the runtime runs it? For generated workloads (the planner benchmark's
// families: game mixes of 20 pipelines planned together, video DAGs with fan-out and a join,
// memory-bound mixes, two products; plus a cluster of 10 namespaces × 10 video pipelines, ~500
// GPUs), each planned by the planner for Poisson arrivals (arrivals: poisson, headroom.ts: the
// default) and, beside it, for steady ones (no headroom: `--plan-for steady`), `vpo simulate`'s
// engine runs the plan with Poisson arrivals
// and reports the SLO attainment (videos within latencySLO.p99Ms over all that arrived) at the
// planned GPU count, following the plan (rate-weighted partitions, planned batch caps and duty
// cycles) and, beside it, the runtime before it followed the plan (Kafka's even split, every
// session at its stage's batch, no duty cycle). At the planned load (the workloads' load; their
// peakFactor is 1, so the plans are sized for exactly that) and at 0.8 of it (as if planned with
// peakFactor 1.25). A workload is simulated for min(300 s, 200 000 videos' worth) so the run stays short;
// the cluster-scale one for the full 600 s, timed. Per workload, a bisection over the load
// factor finds the largest fraction of its planned load the plan holds for 99% of videos: what a
// capacity planner divides by to choose peakFactor for Poisson traffic.
// `npm run bench -- simulate-fidelity [--quick]` (--quick: 4 workloads, 60 s each).
import { performance } from 'node:perf_hooks';
import { planPipeline, planPipelines } from '../operator/planner/plan.ts';
import { simulate } from '../simulate/engine.ts';
import { buildModel, type PlannedUnit } from '../simulate/model.ts';
import type { BenchFigure } from './run.ts';
import { clusterMix, lbRatioWorkloads, type Workload } from './workloads/planner-workloads.ts';

interface Row {
  family: string;
  name: string;
  gpus: number;
  steadyGpus: number;
  attainment: Record<string, number>;
  /** Largest fraction of the planned load at which the plan still meets the SLO for 99% of videos. */
  holdsUpTo: number;
}

/** Bisection over the load factor in [0.3, 1]: the plan's real capacity under Poisson arrivals. */
function holdsUpTo(planned: PlannedUnit[], durationS: number, steps: number): number {
  let lo = 0.3;
  let hi = 1;
  if (attainment(planned, true, hi, durationS) >= 0.99) return hi;
  for (let i = 0; i < steps; i++) {
    const mid = (lo + hi) / 2;
    if (attainment(planned, true, mid, durationS) >= 0.99) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The workload planned for `arrivals` (the planner's headroom for random arrivals, or none). */
function units(w: Workload, arrivals: 'poisson' | 'steady'): PlannedUnit[] {
  const pipelines = w.pipelines.map((p) => ({ ...p, arrivals }));
  const outcome =
    pipelines.length === 1
      ? planPipeline({ pipeline: pipelines[0]!, sessions: w.sessions, nodes: w.nodes })
      : planPipelines({ pipelines, sessions: w.sessions, nodes: w.nodes });
  const plan = outcome.ok ? outcome.plan : outcome.plan;
  if (!plan) throw new Error(`${w.name}: ${outcome.ok ? '' : outcome.message}`);
  return [{ pipelines, plan, sessions: w.sessions }];
}

/** Attainment over every video of the workload (all its pipelines). */
function attainment(plannedUnits: PlannedUnit[], followPlan: boolean, loadFactor: number, durationS: number) {
  const result = simulate(buildModel(plannedUnits, { followPlan }), {
    durationS,
    arrivals: 'poisson',
    loadFactor,
    seed: 2026,
  });
  const videos = result.pipelines.reduce((a, p) => a + p.videos, 0);
  const met = result.pipelines.reduce((a, p) => a + p.sloAttainment * p.videos, 0);
  return videos === 0 ? 1 : met / videos;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const r4 = (x: number) => Math.round(x * 10_000) / 10_000;

export async function run(args: string[]): Promise<BenchFigure[]> {
  const quick = args.includes('--quick');
  const workloads = quick ? lbRatioWorkloads().filter((_, i) => i % 7 === 0) : lbRatioWorkloads();
  // Each workload planned for Poisson arrivals (the plan under test) and for steady ones (no
  // headroom: GPUs sized at occupancy 1), both offered Poisson arrivals at the planned load.
  const cases = [
    ['planned', 'poisson', true, 1],
    ['baseline', 'poisson', false, 1],
    ['steady', 'steady', true, 1],
    ['steady@0.8', 'steady', true, 0.8],
  ] as const;
  const rows: Row[] = [];
  for (const w of workloads) {
    const planned = units(w, 'poisson');
    const steady = units(w, 'steady');
    const vps = w.pipelines.reduce((a, p) => a + p.videosPerSecond * p.peakFactor, 0);
    const durationS = quick ? 60 : Math.max(30, Math.min(300, Math.round(200_000 / vps)));
    const row: Row = {
      family: w.family,
      name: w.name,
      gpus: planned[0]!.plan.gpus,
      steadyGpus: steady[0]!.plan.gpus,
      attainment: {},
      holdsUpTo: 0,
    };
    for (const [label, plannedFor, follow, load] of cases)
      row.attainment[label] = attainment(
        plannedFor === 'poisson' ? planned : steady,
        follow,
        load,
        durationS,
      );
    row.holdsUpTo = holdsUpTo(steady, Math.min(durationS, 120), quick ? 3 : 5);
    process.stderr.write(
      `simulate-fidelity ${w.name} (${row.gpus} GPUs; ${row.steadyGpus} planned for steady arrivals; ${durationS} s): ${cases.map(([l]) => `${l} ${row.attainment[l]!.toFixed(4)}`).join(', ')}; ≥ 0.99 up to ${row.holdsUpTo.toFixed(3)} of the planned load\n`,
    );
    rows.push(row);
  }
  // Cluster scale: ~500 GPUs, 100 pipelines, 10 simulated minutes (timed), following the plan.
  const cluster = clusterMix(7, 10, 10, 500).flatMap((w) => units(w, 'poisson'));
  const started = performance.now();
  const model = buildModel(cluster);
  const result = simulate(model, {
    durationS: quick ? 60 : 600,
    arrivals: 'poisson',
    loadFactor: 1,
    seed: 2026,
  });
  const clusterSeconds = (performance.now() - started) / 1000;
  const clusterVideos = result.pipelines.reduce((a, p) => a + p.videos, 0);
  const clusterAttainment =
    result.pipelines.reduce((a, p) => a + p.sloAttainment * p.videos, 0) / clusterVideos;
  const clusterAt08 = attainment(cluster, true, 0.8, quick ? 60 : 600);
  process.stderr.write(
    `simulate-fidelity cluster: ${model.pods.length} GPUs, ${model.pipelines.length} pipelines, ${result.videos} videos simulated in ${clusterSeconds.toFixed(1)} s; attainment ${clusterAttainment.toFixed(4)} (at 0.8 load ${clusterAt08.toFixed(4)})\n`,
  );
  const of = (label: string) => rows.map((r) => r.attainment[label]!);
  const families = [...new Set(rows.map((r) => r.family))];
  const byFamily = (label: string) =>
    Object.fromEntries(
      families.map((f) => [f, r4(mean(rows.filter((r) => r.family === f).map((r) => r.attainment[label]!)))]),
    );
  const worst = (label: string) =>
    rows.reduce((a, r) => (r.attainment[label]! < a.attainment[label]! ? r : a));
  return [
    {
      name: 'simulate-fidelity',
      value: r4(mean(of('planned'))),
      unit: 'SLO attainment (mean over workloads)',
      target: '>= 0.995 mean, none < 0.99',
      worst: r4(worst('planned').attainment.planned!),
      worstWorkload: worst('planned').name,
      workloadsBelow099: of('planned').filter((a) => a < 0.99).length,
      workloads: rows.length,
      load: 'the planned load (spec load; peakFactor 1), Poisson; plans made for Poisson arrivals (arrivals: poisson)',
      gpus: rows.reduce((n, r) => n + r.gpus, 0),
      gpusPlannedForSteadyArrivals: rows.reduce((n, r) => n + r.steadyGpus, 0),
      gpusRatioMedian: r4(median(rows.map((r) => r.gpus / r.steadyGpus))),
      baselineEvenSplitStageBatches: r4(mean(of('baseline'))),
      baselineWorst: r4(worst('baseline').attainment.baseline!),
      steadyPlans: r4(mean(of('steady'))),
      steadyPlansWorst: r4(worst('steady').attainment.steady!),
      byFamily: byFamily('planned'),
      baselineByFamily: byFamily('baseline'),
      steadyPlansByFamily: byFamily('steady'),
      perWorkload: Object.fromEntries(
        rows.map((r) => [
          r.name,
          { gpus: r.gpus, steadyGpus: r.steadyGpus, attainment: r4(r.attainment.planned!) },
        ]),
      ),
    },
    {
      name: 'simulate-fidelity.steadyPlansAt0.8Load',
      value: r4(mean(of('steady@0.8'))),
      unit: 'SLO attainment (mean over workloads)',
      target: 'informational: plans made for steady arrivals, at 0.8 of their planned load',
      worst: r4(worst('steady@0.8').attainment['steady@0.8']!),
      worstWorkload: worst('steady@0.8').name,
      workloadsBelow099: of('steady@0.8').filter((a) => a < 0.99).length,
      byFamily: byFamily('steady@0.8'),
    },
    {
      name: 'simulate-fidelity.holdsUpTo',
      value: r4(mean(rows.map((r) => r.holdsUpTo))),
      unit: 'largest fraction of the planned load with SLO attainment >= 0.99 (Poisson; bisection, mean over workloads)',
      target:
        'informational, plans made for steady arrivals: 1 / this is the peakFactor Poisson arrivals need on top of the peak',
      worst: r4(Math.min(...rows.map((r) => r.holdsUpTo))),
      byFamily: Object.fromEntries(
        families.map((f) => [f, r4(mean(rows.filter((r) => r.family === f).map((r) => r.holdsUpTo)))]),
      ),
    },
    {
      name: 'simulate-fidelity.clusterSeconds',
      value: Math.round(clusterSeconds * 10) / 10,
      unit: 's',
      target: 'well under 60 s for ~500 GPUs × 100 pipelines × 600 simulated s',
      gpus: model.pods.length,
      pipelines: model.pipelines.length,
      simulatedSeconds: quick ? 60 : 600,
      videos: result.videos,
      attainment: r4(clusterAttainment),
      attainmentAt08Load: r4(clusterAt08),
    },
  ];
}
