// The pipeline's DAG: validation, topological order, per-stage rates and path lengths.
import { type Arrivals, poissonArrivals, STEADY } from './headroom.ts';
import { type SpShape, seriesParallelShape } from './series-parallel.ts';
import { DEFAULT_PLAN_FOR, type PlannerPipeline } from './types.ts';

export const SOURCE = 'source';

export interface StageGraph {
  /** Stage indices in topological order (ties by declaration order, so deterministic). */
  order: number[];
  /** Upstream stage indices per stage (the source is not listed). */
  inputs: number[][];
  /** Downstream stage indices per stage. */
  outputs: number[][];
  /** True when the stage reads the source directly. */
  fromSource: boolean[];
  /** Planned input rate per stage, videos (items) per second, including peakFactor. */
  rateVps: number[];
  /**
   * How requests arrive at each stage as the plan assumes (headroom.ts): steady, or Poisson with
   * each video's items (Π fanOut upstream) arriving together.
   */
  arrivals: Arrivals[];
  /** Stages on the longest source→sink path (what the hop allowance is paid for). */
  longestPathStages: number;
  /**
   * The series-parallel composition of the stages (null: not series-parallel, the exact DP does
   * not apply); found once per pipeline, shared by every product and split.
   */
  shape?: SpShape | null;
}

export type GraphResult =
  | { ok: true; graph: StageGraph }
  | { ok: false; reason: 'CyclicGraph' | 'Infeasible'; message: string };

function nonNegative(x: number, fallback: number): number {
  return Number.isFinite(x) && x >= 0 ? x : fallback;
}

/**
 * Rates: R(stage) = videosPerSecond × peakFactor × Π fanOut of the stages upstream. A join emits
 * one output per video key once all its inputs arrived, so its rate is the max over its input
 * paths (with equal fan-outs on every path, all inputs agree; the max is the safe choice if not).
 */
export function analyseGraph(pipeline: PlannerPipeline): GraphResult {
  const stages = pipeline.stages;
  const index = new Map<string, number>();
  for (const [i, s] of stages.entries()) {
    if (index.has(s.name) || s.name === SOURCE) {
      return { ok: false, reason: 'Infeasible', message: `stage name ${s.name} is used twice or reserved` };
    }
    index.set(s.name, i);
  }
  const inputs: number[][] = stages.map(() => []);
  const outputs: number[][] = stages.map(() => []);
  const fromSource = stages.map(() => false);
  for (const [i, s] of stages.entries()) {
    const names = s.inputs.length === 0 ? [SOURCE] : s.inputs;
    for (const name of names) {
      if (name === SOURCE) {
        fromSource[i] = true;
        continue;
      }
      const j = index.get(name);
      if (j === undefined) {
        return { ok: false, reason: 'Infeasible', message: `stage ${s.name} reads unknown stage ${name}` };
      }
      if (j === i) return { ok: false, reason: 'CyclicGraph', message: `stage ${s.name} reads itself` };
      if (!inputs[i]!.includes(j)) {
        inputs[i]!.push(j);
        outputs[j]!.push(i);
      }
    }
  }
  // Kahn's algorithm, always taking the lowest declared index that is ready.
  const pending = inputs.map((ins) => ins.length);
  const order: number[] = [];
  const ready = stages.map((_, i) => i).filter((i) => pending[i] === 0);
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const i = ready.shift()!;
    order.push(i);
    for (const j of outputs[i]!) if (--pending[j]! === 0) ready.push(j);
  }
  if (order.length < stages.length) {
    const stuck = stages.filter((_, i) => pending[i]! > 0).map((s) => s.name);
    return { ok: false, reason: 'CyclicGraph', message: `stages ${stuck.join(', ')} form a cycle` };
  }
  const sourceVps = nonNegative(pipeline.videosPerSecond, 0) * nonNegative(pipeline.peakFactor, 1);
  const rateVps = stages.map(() => 0);
  const items = stages.map(() => 1);
  const depth = stages.map(() => 0);
  for (const i of order) {
    let rate = fromSource[i] ? sourceVps : 0;
    let perVideo = fromSource[i] ? 1 : 0;
    let d = 0;
    for (const j of inputs[i]!) {
      const fanOut = nonNegative(stages[j]!.fanOut, 1);
      rate = Math.max(rate, rateVps[j]! * fanOut);
      perVideo = Math.max(perVideo, items[j]! * fanOut);
      d = Math.max(d, depth[j]!);
    }
    rateVps[i] = rate;
    items[i] = perVideo;
    depth[i] = d + 1;
  }
  const arrivals = items.map((n) =>
    (pipeline.arrivals ?? DEFAULT_PLAN_FOR) === 'poisson' ? poissonArrivals(n, stages.length) : STEADY,
  );
  const longestPathStages = depth.reduce((a, b) => Math.max(a, b), 0);
  const graph = { order, inputs, outputs, fromSource, rateVps, arrivals, longestPathStages };
  return { ok: true, graph: { ...graph, shape: seriesParallelShape(graph) } };
}

/** Every source→sink path's budget sum is ≤ the longest one: the max over stages of finish times. */
export function longestPathBudget(graph: StageGraph, budgets: ArrayLike<number>): number {
  const finish = new Float64Array(graph.order.length);
  let longest = 0;
  for (const i of graph.order) {
    let start = 0;
    for (const j of graph.inputs[i]!) start = Math.max(start, finish[j]!);
    finish[i] = start + budgets[i]!;
    longest = Math.max(longest, finish[i]!);
  }
  return longest;
}
