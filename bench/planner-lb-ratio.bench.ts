// How close vpo's plans come to the fractional lower bound Σ R/TP*(budget), and how many GPUs
// simpler planners need for the same workloads, measured side by side in one run. The bound is
// taken at the fractional-optimal split (the least any split can need), not at the split vpo
// keeps: a packing-aware split may cost a little more fractionally, and would flatter the ratio.
// - fractional split: vpo without its packing-aware split (the SLO split minimising Σ R/TP* only);
// - batch-oblivious: each stage alone at batch 1, ⌈rate / TP(1)⌉ GPUs, with vpo's budgets;
// - even split: vpo's packing, but the SLO split evenly over the longest path (no query analysis);
// - memory-oblivious (Nexus's released scheduler never checks memory): vpo's algorithm with GPU
//   memory unknown, counting the GPUs whose sessions would not fit on the memory-bound mixes.
// Multi-session mixes are planned with planPipelines: residuals of all sessions share GPUs.

import { planPipelines } from '../operator/planner/plan.ts';
import type { Plan, PlanOutcome } from '../operator/planner/types.ts';
import type { BenchFigure } from './run.ts';
import type { Workload } from './workloads/planner-workloads.ts';
import { lbRatioWorkloads } from './workloads/planner-workloads.ts';

function planOf(outcome: PlanOutcome, name: string): Plan {
  if (outcome.ok) return outcome.plan;
  if (outcome.plan) return outcome.plan;
  throw new Error(`${name}: ${outcome.reason}: ${outcome.message}`);
}

function batchObliviousGpus(w: Workload, plan: Plan): number {
  let gpus = 0;
  for (const p of w.pipelines) {
    for (const s of p.stages) {
      const planned = plan.stages.find(
        (x) => x.name === (w.pipelines.length > 1 ? `${p.name}/${s.name}` : s.name),
      )!;
      const profile = w.sessions
        .find((x) => x.name === s.session)!
        .profiles.find((x) => x.gpuProduct === plan.gpuProduct)!;
      const latencyMicros = profile.points.find((x) => x.batchSize === 1)!.latencyMicros;
      if (latencyMicros > planned.latencyBudgetMs * 1000) return Number.NaN;
      gpus += Math.ceil((planned.rateVps * latencyMicros) / 1e6);
    }
  }
  return gpus;
}

function overcommittedGpus(w: Workload): number {
  const memoryMiB = Math.min(...w.nodes.map((n) => n.memoryMiB));
  const blind = w.nodes.map((n) => ({ ...n, memoryMiB: 0 }));
  const plan = planOf(planPipelines({ pipelines: w.pipelines, sessions: w.sessions, nodes: blind }), w.name);
  return plan.backends.filter((b) => b.memoryMiB > memoryMiB).reduce((s, b) => s + b.replicas, 0);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

export async function run(_args: string[]): Promise<BenchFigure[]> {
  const rows = lbRatioWorkloads().map((w) => {
    const request = { pipelines: w.pipelines, sessions: w.sessions, nodes: w.nodes };
    const plan = planOf(planPipelines(request), w.name);
    const fractional = planOf(planPipelines(request, { fractionalSplit: true }), w.name);
    // Same product, so the fractional-optimal bound applies to vpo's plan.
    const sameProduct = fractional.gpuProduct === plan.gpuProduct;
    const lowerBound = sameProduct
      ? Math.min(fractional.lowerBoundGpus, plan.lowerBoundGpus)
      : plan.lowerBoundGpus;
    // An even split can miss the SLO where the optimised one fits: that counts as infeasible.
    const evenOutcome = planPipelines(request, { evenSplit: true });
    const even = evenOutcome.ok ? evenOutcome.plan : undefined;
    return {
      family: w.family,
      gpus: plan.gpus,
      lbRatio: plan.gpus / Math.ceil(lowerBound - 1e-9),
      fractionalSplit: fractional.gpus / plan.gpus,
      oblivious: batchObliviousGpus(w, plan) / plan.gpus,
      even: even ? even.gpus / plan.gpus : Number.NaN,
      overcommitted: w.family === 'memory-bound' ? overcommittedGpus(w) : 0,
      memoryBoundGpus: w.family === 'memory-bound' ? plan.gpus : 0,
    };
  });
  const families = [...new Set(rows.map((r) => r.family))];
  const byFamily = Object.fromEntries(
    families.map((f) => [f, round3(mean(rows.filter((r) => r.family === f).map((r) => r.lbRatio)))]),
  );
  const finite = (xs: number[]) => xs.filter((x) => Number.isFinite(x));
  return [
    {
      name: 'planner.gpusOverCeilLowerBound',
      value: round3(mean(rows.map((r) => r.lbRatio))),
      unit: 'ratio',
      target: '<= 1.10',
      workloads: rows.length,
      max: round3(Math.max(...rows.map((r) => r.lbRatio))),
      byFamily,
    },
    {
      name: 'planner.fractionalSplitGpusOverVpo',
      value: round3(mean(rows.map((r) => r.fractionalSplit))),
      unit: 'ratio',
      target: '>= 1 (vpo needs no more)',
      max: round3(Math.max(...rows.map((r) => r.fractionalSplit))),
      min: round3(Math.min(...rows.map((r) => r.fractionalSplit))),
    },
    {
      name: 'planner.batchObliviousGpusOverVpo',
      value: round3(mean(finite(rows.map((r) => r.oblivious)))),
      unit: 'ratio',
      target: '> 1 (vpo needs fewer)',
      workloads: finite(rows.map((r) => r.oblivious)).length,
    },
    {
      name: 'planner.evenSplitGpusOverVpo',
      value: round3(mean(finite(rows.map((r) => r.even)))),
      unit: 'ratio',
      target: '>= 1 (vpo needs no more)',
      max: round3(Math.max(...finite(rows.map((r) => r.even)))),
      evenSplitInfeasible: rows.filter((r) => !Number.isFinite(r.even)).length,
    },
    {
      name: 'planner.memoryObliviousOvercommittedGpus',
      value: rows.reduce((s, r) => s + r.overcommitted, 0),
      unit: 'GPUs',
      target: 'vpo: 0 by construction',
      vpoGpusOnMemoryBound: rows.reduce((s, r) => s + r.memoryBoundGpus, 0),
    },
  ];
}
