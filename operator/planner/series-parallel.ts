// Exact SLO split for series-parallel DAGs (Nexus, SOSP'19, §5 "query analysis": dynamic
// programming over a discretised latency budget, extended here from trees to joins and fan-out).
//
// Each stage becomes an edge in_v → out_v carrying its cost function cost[k] = GPUs at a budget of
// k steps; the DAG's arcs become zero-cost edges, plus a source S and a sink T. Series reduction
// (a node with one edge in and one out) composes costs by min-plus convolution: t = t1 + t2.
// Parallel reduction (two edges between the same nodes) adds costs at the same budget: branches
// meeting at a join each get the whole budget. The graph is series-parallel iff this ends in a
// single S→T edge; then that edge's cost at N steps is the optimum, and the recorded argmins give
// every stage's budget.
import type { StageGraph } from './rates.ts';

type Block =
  | { kind: 'zero' }
  | { kind: 'leaf'; stage: number; cost: Float64Array }
  | { kind: 'series'; a: Block; b: Block; cost: Float64Array; firstSteps: Int32Array }
  | { kind: 'parallel'; a: Block; b: Block; cost: Float64Array };

interface Edge {
  from: number;
  to: number;
  block: Block;
}

/** Where a step function starts each step: x = 0 and every x whose value differs from x − 1. */
function stepStarts(c: Float64Array): Int32Array {
  const starts: number[] = [0];
  for (let x = 1; x < c.length; x++) if (c[x] !== c[x - 1]) starts.push(x);
  return Int32Array.from(starts);
}

/**
 * Min-plus convolution: cost[t] = min over x of ca[x] + cb[t − x]; firstSteps[t] = the argmin x.
 * Costs are non-increasing step functions (more budget never needs more GPUs), so within a step
 * of one function its leftmost point is best (it leaves the most to the other): only step starts
 * need trying, O(steps × distinct values) instead of O(steps²).
 */
export function minPlus(
  ca: Float64Array,
  cb: Float64Array,
  steps: number,
): { cost: Float64Array; firstSteps: Int32Array } {
  const cost = new Float64Array(steps + 1);
  const firstSteps = new Int32Array(steps + 1);
  const startsA = stepStarts(ca);
  const startsB = stepStarts(cb);
  const swap = startsB.length < startsA.length;
  const [starts, fixed, rest] = swap ? [startsB, cb, ca] : [startsA, ca, cb];
  const count = starts.length;
  for (let t = 0; t <= steps; t++) {
    let best = Number.POSITIVE_INFINITY;
    let arg = 0;
    // Indexed loops over typed arrays: this is the planner's innermost loop.
    for (let i = 0; i < count; i++) {
      const x = starts[i]!;
      if (x > t) break;
      const c = fixed[x]! + rest[t - x]!;
      if (c < best) {
        best = c;
        arg = x;
      }
    }
    cost[t] = best;
    firstSteps[t] = swap ? t - arg : arg;
  }
  return { cost, firstSteps };
}

function series(a: Block, b: Block, steps: number): Block {
  if (a.kind === 'zero') return b;
  if (b.kind === 'zero') return a;
  return { kind: 'series', a, b, ...minPlus(a.cost, b.cost, steps) };
}

function parallel(a: Block, b: Block, steps: number): Block {
  if (a.kind === 'zero') return b;
  if (b.kind === 'zero') return a;
  const cost = new Float64Array(steps + 1);
  for (let t = 0; t <= steps; t++) cost[t] = a.cost[t]! + b.cost[t]!;
  return { kind: 'parallel', a, b, cost };
}

function assign(block: Block, steps: number, budgets: Int32Array): void {
  switch (block.kind) {
    case 'zero':
      return;
    case 'leaf':
      budgets[block.stage] = steps;
      return;
    case 'series': {
      const first = block.firstSteps[steps]!;
      assign(block.a, first, budgets);
      assign(block.b, steps - first, budgets);
      return;
    }
    case 'parallel':
      assign(block.a, steps, budgets);
      assign(block.b, steps, budgets);
  }
}

function reduceOnce(edges: Edge[], steps: number, sink: number): Edge[] | undefined {
  // Parallel: merge edges sharing both ends (first occurrence keeps its place: deterministic).
  const byEnds = new Map<string, Edge>();
  const merged: Edge[] = [];
  let changed = false;
  for (const e of edges) {
    const key = `${e.from}>${e.to}`;
    const seen = byEnds.get(key);
    if (seen) {
      seen.block = parallel(seen.block, e.block, steps);
      changed = true;
    } else {
      const copy = { ...e };
      byEnds.set(key, copy);
      merged.push(copy);
    }
  }
  if (changed) return merged;
  // Series: the lowest-numbered inner node with exactly one edge in and one out.
  const inCount = new Map<number, number>();
  const outCount = new Map<number, number>();
  for (const e of merged) {
    inCount.set(e.to, (inCount.get(e.to) ?? 0) + 1);
    outCount.set(e.from, (outCount.get(e.from) ?? 0) + 1);
  }
  const candidates = [...inCount.keys()]
    .filter((n) => n !== 0 && n !== sink && inCount.get(n) === 1 && outCount.get(n) === 1)
    .sort((a, b) => a - b);
  const node = candidates[0];
  if (node === undefined) return undefined;
  const into = merged.find((e) => e.to === node)!;
  const out = merged.find((e) => e.from === node)!;
  const joined: Edge = { from: into.from, to: out.to, block: series(into.block, out.block, steps) };
  return merged.filter((e) => e !== into && e !== out).concat(joined);
}

/** The composition of a series-parallel DAG's stages, without costs: found once per pipeline. */
export type SpShape =
  | { kind: 'leaf'; stage: number }
  | { kind: 'series' | 'parallel'; a: SpShape; b: SpShape };

/** The DAG's series-parallel composition, or null when it is not series-parallel. */
export function seriesParallelShape(graph: Omit<StageGraph, 'shape'>): SpShape | null {
  const n = graph.order.length;
  const sink = 1;
  const inNode = (v: number) => 2 + 2 * v;
  const outNode = (v: number) => 3 + 2 * v;
  let edges: Edge[] = [];
  // Reduction depends only on the edges' ends: one-point dummy costs make it cost nothing.
  for (let v = 0; v < n; v++) {
    edges.push({
      from: inNode(v),
      to: outNode(v),
      block: { kind: 'leaf', stage: v, cost: new Float64Array(1) },
    });
    if (graph.fromSource[v]) edges.push({ from: 0, to: inNode(v), block: { kind: 'zero' } });
    for (const u of graph.inputs[v]!)
      edges.push({ from: outNode(u), to: inNode(v), block: { kind: 'zero' } });
    if (graph.outputs[v]!.length === 0) edges.push({ from: outNode(v), to: sink, block: { kind: 'zero' } });
  }
  for (;;) {
    const next = reduceOnce(edges, 0, sink);
    if (!next) break;
    edges = next;
  }
  const root = edges[0];
  if (edges.length !== 1 || root?.from !== 0 || root.to !== sink || root.block.kind === 'zero') return null;
  const shapeOf = (b: Block): SpShape =>
    b.kind === 'leaf'
      ? { kind: 'leaf', stage: b.stage }
      : b.kind === 'zero'
        ? { kind: 'leaf', stage: -1 }
        : { kind: b.kind, a: shapeOf(b.a), b: shapeOf(b.b) };
  return shapeOf(root.block);
}

function evaluate(shape: SpShape, costs: Float64Array[], steps: number): Block {
  if (shape.kind === 'leaf') return { kind: 'leaf', stage: shape.stage, cost: costs[shape.stage]! };
  const a = evaluate(shape.a, costs, steps);
  const b = evaluate(shape.b, costs, steps);
  return shape.kind === 'series' ? series(a, b, steps) : parallel(a, b, steps);
}

/**
 * Optimal budgets (in steps, summing to ≤ `steps` on every path) for a series-parallel DAG, or
 * `undefined` when the DAG is not series-parallel. Infinite total cost means infeasible. The
 * composition is the graph's (`shape`, found once per pipeline) or found here.
 */
export function splitSeriesParallel(
  graph: StageGraph,
  costs: Float64Array[],
  steps: number,
): { budgets: Int32Array; cost: number } | undefined {
  const shape = graph.shape === undefined ? seriesParallelShape(graph) : graph.shape;
  if (!shape) return undefined;
  const root = evaluate(shape, costs, steps);
  const budgets = new Int32Array(graph.order.length);
  assign(root, steps, budgets);
  return { budgets, cost: root.kind === 'zero' ? 0 : root.cost[steps]! };
}
