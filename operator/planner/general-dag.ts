// SLO split for DAGs that are not series-parallel (e.g. A→C, A→D, B→D). Two methods, both of
// which keep every source→sink path's budgets within the usable SLO by construction:
// - layered: stage v sits in layer = its depth (stages on the longest path to it). Layers run in
//   series and a layer's stages in parallel with one shared budget; any real path visits at most
//   one stage per layer, so it fits. This series-of-parallel graph is solved exactly by min-plus
//   DP (the same as series-parallel.ts); it adds constraints, never drops one.
// - enumeration (≤ 6 stages): every per-stage budget on a coarse grid, depth first in topological
//   order, pruning a branch once some path overruns or the cost can no longer win.
import type { StageGraph } from './rates.ts';
import { minPlus } from './series-parallel.ts';

export const MAX_ENUMERATED_STAGES = 6;
/** Upper bound on enumerated combinations before pruning: grid points = this^(1/stages). */
const ENUMERATION_COMBINATIONS = 3e5;

export function splitLayered(
  graph: StageGraph,
  costs: Float64Array[],
  steps: number,
): { budgets: Int32Array; cost: number } {
  const n = graph.order.length;
  const depth = new Int32Array(n);
  for (const v of graph.order) {
    let d = 0;
    for (const u of graph.inputs[v]!) d = Math.max(d, depth[u]!);
    depth[v] = d + 1;
  }
  const layers = graph.longestPathStages;
  const layerCost: Float64Array[] = [];
  for (let l = 1; l <= layers; l++) {
    const c = new Float64Array(steps + 1);
    for (let v = 0; v < n; v++) {
      if (depth[v] !== l) continue;
      for (let t = 0; t <= steps; t++) c[t]! += costs[v]![t]!;
    }
    layerCost.push(c);
  }
  // Fold layers left to right: prefix[l] = best cost of layers 0..l within t steps.
  const prefix: Float64Array[] = [layerCost[0]!];
  const splits: Int32Array[] = [];
  for (let l = 1; l < layers; l++) {
    const { cost, firstSteps } = minPlus(prefix[l - 1]!, layerCost[l]!, steps);
    prefix.push(cost);
    splits.push(firstSteps);
  }
  const layerSteps = new Int32Array(layers);
  let t = steps;
  for (let l = layers - 1; l >= 1; l--) {
    const first = splits[l - 1]![t]!;
    layerSteps[l] = t - first;
    t = first;
  }
  layerSteps[0] = t;
  const budgets = new Int32Array(n);
  for (let v = 0; v < n; v++) budgets[v] = layerSteps[depth[v]! - 1]!;
  return { budgets, cost: prefix[layers - 1]![steps]! };
}

export function splitEnumerated(
  graph: StageGraph,
  costs: Float64Array[],
  steps: number,
): { budgets: Int32Array; cost: number } {
  const n = graph.order.length;
  const points = Math.max(2, Math.min(steps, Math.floor(ENUMERATION_COMBINATIONS ** (1 / n))));
  const grid = Array.from({ length: points + 1 }, (_, i) => Math.floor((i * steps) / points));
  const finish = new Int32Array(n);
  const current = new Int32Array(n);
  let best = Number.POSITIVE_INFINITY;
  let bestBudgets = new Int32Array(n);
  // The least the stages from `pos` on can cost: each at its whole-SLO cost (costs never grow
  // with the budget), so a branch that cannot beat the best even so is cut.
  const rest = new Float64Array(n + 1);
  for (let pos = n - 1; pos >= 0; pos--) rest[pos] = rest[pos + 1]! + costs[graph.order[pos]!]![steps]!;
  const visit = (pos: number, spent: number): void => {
    if (spent + rest[pos]! >= best) return;
    if (pos === n) {
      best = spent;
      bestBudgets = current.slice();
      return;
    }
    const v = graph.order[pos]!;
    let start = 0;
    for (const u of graph.inputs[v]!) start = Math.max(start, finish[u]!);
    // Largest budgets first: the cheapest options come early, so pruning bites sooner; a smaller
    // budget only costs more, so once one cannot beat the best, none after it can.
    for (let g = grid.length - 1; g >= 0; g--) {
      const t = grid[g]!;
      if (start + t > steps) continue;
      const c = costs[v]![t]!;
      if (!Number.isFinite(c) || spent + c + rest[pos + 1]! >= best) break;
      finish[v] = start + t;
      current[v] = t;
      visit(pos + 1, spent + c);
    }
  };
  visit(0, 0);
  return { budgets: bestBudgets, cost: best };
}
