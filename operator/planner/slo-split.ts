// Splits the usable SLO across stages to minimise total GPUs (DESIGN.md "The planner", step 3).
// The cost of stage s with budget t is R_s / TP*_s(t) GPUs (fractional), TP* being the best
// throughput whose saturated worst case 2ℓ(b) fits t. Budgets live on a grid of at most
// SPLIT_STEPS steps; each step's budget is floored to whole milliseconds before costing, so the
// costs are exact for the integer-millisecond budgets the plan reports.
import { MAX_ENUMERATED_STAGES, splitEnumerated, splitLayered } from './general-dag.ts';
import type { BatchProfile } from './profile.ts';
import { bestThroughputVps } from './profile.ts';
import type { StageGraph } from './rates.ts';
import { splitSeriesParallel } from './series-parallel.ts';

export const SPLIT_STEPS = 500;

export type SplitMethod = 'series-parallel' | 'enumerated' | 'layered' | 'even';

export interface SloSplit {
  /** Per stage, whole milliseconds. */
  budgetMs: number[];
  /** Σ R/TP*(budget) at these budgets: the fractional lower bound on GPUs. */
  lowerBoundGpus: number;
  method: SplitMethod;
}

/** GPUs stage needs at `budgetMs` if every GPU ran saturated; Infinity when nothing fits. */
export function stageCostGpus(profile: BatchProfile, rateVps: number, budgetMs: number): number {
  const tp = bestThroughputVps(profile, budgetMs * 1000);
  if (tp === 0) return Number.POSITIVE_INFINITY;
  return rateVps / tp;
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

export function splitSlo(
  graph: StageGraph,
  profiles: BatchProfile[],
  usableMs: number,
  even = false,
): SloSplit {
  const n = profiles.length;
  const steps = Math.max(1, Math.min(SPLIT_STEPS, Math.floor(usableMs)));
  const msAt = (k: number) => Math.floor((k * usableMs) / steps);
  const costs = profiles.map((p, v) => {
    const c = new Float64Array(steps + 1);
    for (let k = 0; k <= steps; k++) c[k] = stageCostGpus(p, graph.rateVps[v]!, msAt(k));
    return c;
  });
  let budgets: Int32Array;
  let method: SplitMethod;
  if (even) {
    // The baseline a planner without query analysis would use: equal shares of the longest path.
    budgets = new Int32Array(n).fill(Math.floor(steps / Math.max(1, graph.longestPathStages)));
    method = 'even';
  } else {
    const sp = splitSeriesParallel(graph, costs, steps);
    if (sp) {
      budgets = sp.budgets;
      method = 'series-parallel';
    } else {
      const layered = splitLayered(graph, costs, steps);
      budgets = layered.budgets;
      method = 'layered';
      if (n <= MAX_ENUMERATED_STAGES) {
        const enumerated = splitEnumerated(graph, costs, steps);
        fillSlack(graph, enumerated.budgets, steps);
        fillSlack(graph, budgets, steps);
        const total = (b: Int32Array) => b.reduce((s, k, v) => s + costs[v]![k]!, 0);
        if (total(enumerated.budgets) < total(budgets)) {
          budgets = enumerated.budgets;
          method = 'enumerated';
        }
      }
    }
  }
  fillSlack(graph, budgets, steps);
  const budgetMs = Array.from(budgets, (k) => msAt(k));
  const lowerBoundGpus = budgetMs.reduce(
    (sum, ms, v) => sum + stageCostGpus(profiles[v]!, graph.rateVps[v]!, ms),
    0,
  );
  return { budgetMs, lowerBoundGpus, method };
}
