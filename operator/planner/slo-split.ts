// Splits the usable SLO across stages to minimise total GPUs (DESIGN.md "The planner", step 3).
// Two costs of stage s with budget t are minimised, each by the same DP: the fractional
// R_s / TP*_s(t) GPUs, TP* being the best throughput whose saturated worst case 2ℓ(b) fits t (its
// optimum is the lower bound), and the packing-aware cost of packing-cost.ts (saturated GPUs plus
// the residual's occupancy alone), which keeps light stages from getting budgets too short to
// share a GPU. Budgets live on a grid of at most SPLIT_STEPS steps; each step's budget is floored
// to whole milliseconds before costing, so the costs are exact for the integer-millisecond
// budgets the plan reports.
import { MAX_ENUMERATED_STAGES, splitEnumerated, splitLayered } from './general-dag.ts';
import { gridCosts } from './grid-costs.ts';
import type { Arrivals } from './headroom.ts';
import { packingCostGpus } from './packing-cost.ts';
import type { BatchProfile } from './profile.ts';
import { bestThroughputVps, throughputVps } from './profile.ts';
import type { StageGraph } from './rates.ts';
import { splitSeriesParallel } from './series-parallel.ts';
import { throughputGrid } from './throughput-sweep.ts';

export const SPLIT_STEPS = 500;
export const PACKING_SPLIT_STEPS = 125;

export type SplitMethod = 'series-parallel' | 'enumerated' | 'layered' | 'even';
/** What the DP minimised: Σ R/TP* (fractional GPUs) or the packing-aware cost. */
export type SplitObjective = 'fractional' | 'packing' | 'even';

export interface SloSplit {
  /** Per stage, whole milliseconds. */
  budgetMs: number[];
  /** Σ R/TP*(budget) at these budgets: the fractional lower bound on GPUs. */
  lowerBoundGpus: number;
  method: SplitMethod;
  objective: SplitObjective;
}

/** GPUs stage needs at `budgetMs` if every GPU ran saturated; Infinity when nothing fits. */
export function stageCostGpus(
  profile: BatchProfile,
  rateVps: number,
  budgetMs: number,
  arrivals: Arrivals,
): number {
  const tp = bestThroughputVps(profile, budgetMs * 1000, arrivals);
  if (tp === 0) return Number.POSITIVE_INFINITY;
  return rateVps / tp;
}

/**
 * stageCostGpus at every grid step for steady arrivals, walking the batches by latency once
 * (budgets only grow): the split's hot loop (random arrivals: randomArrivalCosts).
 */
function steadyCosts(
  profile: BatchProfile,
  rateVps: number,
  steps: number,
  msAt: (k: number) => number,
): Float64Array {
  const c = new Float64Array(steps + 1);
  const order = profile.batchesByLatency;
  let fitting = 0;
  for (let k = 0; k <= steps; k++) {
    const budgetMicros = msAt(k) * 1000;
    while (fitting < order.length && 2 * profile.latencyMicros[order[fitting]!]! <= budgetMicros) fitting++;
    c[k] =
      fitting === 0
        ? Number.POSITIVE_INFINITY
        : rateVps / throughputVps(profile, profile.bestBatchUpTo[fitting - 1]!);
  }
  return c;
}

/**
 * A stage's costs on the grid for random arrivals, from one sweep of its best usable throughput
 * (throughput-sweep.ts): Σ R/TP* or, for the packing objective, the packing cost with the sweep's
 * saturated batch. Non-increasing, as gridCosts makes them.
 */
function randomArrivalCosts(
  profile: BatchProfile,
  rateVps: number,
  steps: number,
  msAt: (k: number) => number,
  arrivals: Arrivals,
  objective: 'fractional' | 'packing',
): Float64Array {
  const grid = throughputGrid(profile, arrivals, steps, msAt);
  const c = new Float64Array(steps + 1);
  let best = Number.POSITIVE_INFINITY;
  for (let k = 0; k <= steps; k++) {
    const tp = grid.throughputVps[k]!;
    let cost: number;
    if (tp === 0) cost = Number.POSITIVE_INFINITY;
    else if (objective === 'fractional') cost = rateVps / tp;
    else if (k > 0 && msAt(k) === msAt(k - 1)) cost = c[k - 1]!;
    else
      cost = packingCostGpus(profile, rateVps, msAt(k), arrivals, {
        batch: grid.batch[k]!,
        throughputVps: tp,
      });
    best = Math.min(best, cost);
    c[k] = best;
  }
  return c;
}

/**
 * Gives each stage the slack its paths leave unused (in topological order), so no budget is left
 * on the table: more budget never costs more GPUs and lets packing use longer duty cycles.
 */
function fillSlack(graph: StageGraph, budgets: Int32Array, steps: number): void {
  const n = budgets.length;
  const toEnd = new Int32Array(n);
  const fromStart = new Int32Array(n);
  const reverse = [...graph.order].reverse();
  for (const v of graph.order) {
    for (const u of graph.order) {
      let start = 0;
      for (const w of graph.inputs[u]!) start = Math.max(start, fromStart[w]!);
      fromStart[u] = start + budgets[u]!;
    }
    for (const u of reverse) {
      let rest = 0;
      for (const w of graph.outputs[u]!) rest = Math.max(rest, toEnd[w]!);
      toEnd[u] = rest + budgets[u]!;
    }
    const slack = steps - (fromStart[v]! + toEnd[v]! - budgets[v]!);
    if (slack > 0) budgets[v]! += slack;
  }
}

/** The DP for the graph's shape, on any non-increasing per-stage costs; budgets in steps. */
function solve(
  graph: StageGraph,
  costs: Float64Array[],
  steps: number,
  trySeriesParallel: boolean,
): { budgets: Int32Array; method: SplitMethod } {
  const sp = trySeriesParallel ? splitSeriesParallel(graph, costs, steps) : undefined;
  if (sp) return { budgets: sp.budgets, method: 'series-parallel' };
  const layered = splitLayered(graph, costs, steps);
  if (graph.order.length > MAX_ENUMERATED_STAGES) return { budgets: layered.budgets, method: 'layered' };
  const enumerated = splitEnumerated(graph, costs, steps);
  fillSlack(graph, enumerated.budgets, steps);
  fillSlack(graph, layered.budgets, steps);
  const total = (b: Int32Array) => b.reduce((s, k, v) => s + costs[v]![k]!, 0);
  return total(enumerated.budgets) < total(layered.budgets)
    ? { budgets: enumerated.budgets, method: 'enumerated' }
    : { budgets: layered.budgets, method: 'layered' };
}

/**
 * The split minimising `objective`, with the slack every path leaves handed out: a candidate for
 * the caller to saturate and pack. The packing-aware DP runs on a coarser grid
 * (PACKING_SPLIT_STEPS: its cost only guides, and its many distinct values make min-plus dearer);
 * `trySeriesParallel` = false skips the series-parallel reduction for a graph known not to be one.
 */
export function splitFor(
  graph: StageGraph,
  profiles: BatchProfile[],
  usableMs: number,
  objective: SplitObjective,
  trySeriesParallel = true,
): SloSplit {
  const n = profiles.length;
  const most = objective === 'packing' ? PACKING_SPLIT_STEPS : SPLIT_STEPS;
  const steps = Math.max(1, Math.min(most, Math.floor(usableMs)));
  const msAt = (k: number) => Math.floor((k * usableMs) / steps);
  let budgets: Int32Array;
  let method: SplitMethod = 'even';
  if (objective === 'even') {
    // The baseline a planner without query analysis would use: equal shares of the longest path.
    budgets = new Int32Array(n).fill(Math.floor(steps / Math.max(1, graph.longestPathStages)));
  } else {
    const costs = profiles.map((p, v) => {
      const rate = graph.rateVps[v]!;
      const arrivals = graph.arrivals[v]!;
      if (arrivals.burst > 0) return randomArrivalCosts(p, rate, steps, msAt, arrivals, objective);
      if (objective === 'packing')
        return gridCosts(steps, msAt, (ms) => packingCostGpus(p, rate, ms, arrivals));
      return steadyCosts(p, rate, steps, msAt);
    });
    ({ budgets, method } = solve(graph, costs, steps, trySeriesParallel));
  }
  fillSlack(graph, budgets, steps);
  const budgetMs = Array.from(budgets, (k) => msAt(k));
  const lowerBoundGpus = budgetMs.reduce(
    (sum, ms, v) => sum + stageCostGpus(profiles[v]!, graph.rateVps[v]!, ms, graph.arrivals[v]!),
    0,
  );
  return { budgetMs, lowerBoundGpus, method, objective };
}

/** The fractional-optimal split with the slack handed out (or the even split). */
export function splitSlo(
  graph: StageGraph,
  profiles: BatchProfile[],
  usableMs: number,
  even = false,
): SloSplit {
  return splitFor(graph, profiles, usableMs, even ? 'even' : 'fractional');
}
