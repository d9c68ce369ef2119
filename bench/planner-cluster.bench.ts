// Planning a namespace's pipelines together (operator/planner/namespace.ts), on generated
// namespace mixes (bench/workloads/cluster-workloads.ts): Nexus's Zipf-0.9 game mix of 20
// single-model pipelines at several total rates and SLOs, DAG pipelines sharing models,
// memory-bound mixes, and two products. Headline: the mean over workloads of the namespace's GPUs
// over ⌈Σ of its pipelines' fractional lower bounds⌉ (each at its fractional-optimal split, the
// least any split needs, on the product it was planned on). Beside it, measured in the same run:
// - per-pipeline planning: Σ of each pipeline's GPUs planned on its own (what every pipeline paying
//   at least one GPU costs);
// - a plain Nexus-style pooled packing: the fractional split, every residual of the namespace in
//   one pool on one product, squishy packing in occupancy order, no saturated GPU opened up;
// - stability: after adding one pipeline to a namespace and re-planning with the last plan, the
//   share of its backend groups that stayed exactly as they were.

import { pipeline, previousOf, stage } from '../operator/planner/fixtures.test-support.ts';
import { planNamespace, planPipeline, planPipelines } from '../operator/planner/plan.ts';
import type { NamespacePlan, NamespacePlanRequest, PlanOutcome } from '../operator/planner/types.ts';
import type { BenchFigure } from './run.ts';
import { type ClusterWorkload, clusterWorkloads } from './workloads/cluster-workloads.ts';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

function gpusOf(outcome: PlanOutcome): number {
  if (outcome.ok) return outcome.plan.gpus;
  return outcome.plan?.gpus ?? Number.NaN;
}

/** Σ over pipelines of the fractional optimum on the product each was planned on. */
function lowerBound(w: ClusterWorkload, ns: NamespacePlan): number {
  let bound = 0;
  for (const p of w.request.pipelines) {
    const planned = ns.pipelines.find((x) => x.name === p.name)!.outcome;
    if (!planned.ok) continue;
    const product = planned.plan.gpuProduct;
    const alone = {
      pipeline: { ...p, gpuProducts: [product] },
      sessions: w.request.sessions,
      nodes: w.request.nodes,
    };
    const fractional = planPipeline(alone, { fractionalSplit: true });
    const lb = fractional.ok || fractional.plan ? (fractional.plan?.lowerBoundGpus ?? Infinity) : Infinity;
    bound += Math.min(lb, planned.plan.lowerBoundGpus);
  }
  return bound;
}

/** After adding one light pipeline, the share of the last plan's groups kept exactly. */
function keptOnAdd(w: ClusterWorkload, ns: NamespacePlan): number {
  const first = w.request.pipelines[0]!;
  const extra = pipeline('zz-added', [stage('infer', ['source'], 1, first.stages[0]!.session)], {
    videosPerSecond: Math.max(0.1, first.videosPerSecond / 50),
    sloMs: first.sloMs,
  });
  const request: NamespacePlanRequest = {
    ...w.request,
    pipelines: [...w.request.pipelines, { ...extra, gpuProducts: first.gpuProducts }],
    previous: previousOf(ns),
  };
  const next = planNamespace(request);
  const same = ns.backends.filter((b) =>
    next.backends.some((x) => JSON.stringify(x) === JSON.stringify(b)),
  ).length;
  return ns.backends.length > 0 ? same / ns.backends.length : 1;
}

export async function run(_args: string[]): Promise<BenchFigure[]> {
  const rows = clusterWorkloads().map((w) => {
    const ns = planNamespace(w.request);
    const failed = ns.pipelines.filter((p) => !p.outcome.ok).map((p) => p.name);
    if (failed.length > 0) throw new Error(`${w.name}: not planned: ${failed.join(', ')}`);
    const joint = ns.totals.gpus;
    const bound = Math.ceil(lowerBound(w, ns) - 1e-9);
    const perPipeline = w.request.pipelines.reduce(
      (n, p) =>
        n + gpusOf(planPipeline({ pipeline: p, sessions: w.request.sessions, nodes: w.request.nodes })),
      0,
    );
    const nexus = planPipelines(w.request, { plainPacking: true });
    return {
      family: w.family,
      joint,
      ratio: joint / bound,
      perPipeline,
      nexus: gpusOf(nexus),
      kept: keptOnAdd(w, ns),
    };
  });
  const families = [...new Set(rows.map((r) => r.family))];
  const by = (f: (r: (typeof rows)[number]) => number) =>
    Object.fromEntries(
      families.map((fam) => [fam, round3(mean(rows.filter((r) => r.family === fam).map(f)))]),
    );
  const sum = (f: (r: (typeof rows)[number]) => number) => rows.reduce((n, r) => n + f(r), 0);
  return [
    {
      name: 'planner.clusterJointGpusOverCeilLowerBound',
      value: round3(mean(rows.map((r) => r.ratio))),
      unit: 'ratio',
      target: '<= 1.10',
      workloads: rows.length,
      max: round3(Math.max(...rows.map((r) => r.ratio))),
      byFamily: by((r) => r.ratio),
      jointGpus: sum((r) => r.joint),
      perPipelineGpus: sum((r) => r.perPipeline),
      nexusPooledGpus: sum((r) => r.nexus),
    },
    {
      name: 'planner.clusterPerPipelineGpusOverJoint',
      value: round3(mean(rows.map((r) => r.perPipeline / r.joint))),
      unit: 'ratio',
      target: '> 1 (sharing needs fewer)',
      byFamily: by((r) => r.perPipeline / r.joint),
    },
    {
      name: 'planner.clusterNexusPooledGpusOverJoint',
      value: round3(mean(rows.map((r) => r.nexus / r.joint))),
      unit: 'ratio',
      target: '>= 1 (vpo needs no more)',
      byFamily: by((r) => r.nexus / r.joint),
      min: round3(Math.min(...rows.map((r) => r.nexus / r.joint))),
    },
    {
      name: 'planner.clusterGroupsKeptOnAddingAPipeline',
      value: round3(mean(rows.map((r) => r.kept))),
      unit: 'fraction',
      target: '1 (re-plans leave other pipelines alone)',
      min: round3(Math.min(...rows.map((r) => r.kept))),
    },
  ];
}
