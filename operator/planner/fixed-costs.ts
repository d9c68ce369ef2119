// What a pipeline pays before its SLO is split (DESIGN.md "The planner", step 2), and why nothing
// fits when even the fastest batches overrun what is left.
import type { BatchProfile } from './profile.ts';
import type { StageGraph } from './rates.ts';
import type { PlannerPipeline } from './types.ts';

/** Fixed costs first: download + decode, then one hop per stage on the longest path. */
export function usableSloMs(pipeline: PlannerPipeline, graph: StageGraph): number {
  return Math.floor(
    pipeline.sloMs - pipeline.ingestAllowanceMs - pipeline.hopAllowanceMs * graph.longestPathStages,
  );
}

/** Why nothing fits: the path whose minimum worst case (2ℓ at the fastest batch) is longest. */
export function shortfall(
  pipeline: PlannerPipeline,
  graph: StageGraph,
  profiles: BatchProfile[],
  usableMs: number,
): string {
  const minMs = profiles.map((p) => (2 * p.latencyMicros[p.batchesByLatency[0]!]!) / 1000);
  const finish = minMs.map(() => 0);
  const prev = minMs.map(() => -1);
  for (const v of graph.order) {
    let start = 0;
    for (const u of graph.inputs[v]!) {
      if (finish[u]! > start) {
        start = finish[u]!;
        prev[v] = u;
      }
    }
    finish[v] = start + minMs[v]!;
  }
  let end = 0;
  for (let v = 1; v < finish.length; v++) if (finish[v]! > finish[end]!) end = v;
  const path: number[] = [];
  for (let v = end; v >= 0; v = prev[v]!) path.unshift(v);
  const names = path.map((v) => `${pipeline.stages[v]!.name} (2×ℓ = ${minMs[v]!.toFixed(0)} ms)`);
  const needMs = finish[end]!;
  if (needMs <= usableMs) {
    return `no stage split on the ${usableMs} ms grid fits, though ${names.join(' → ')} needs ${needMs.toFixed(0)} ms`;
  }
  return `even at the fastest batch, ${names.join(' → ')} needs ${needMs.toFixed(0)} ms of the ${usableMs} ms usable: short by ${(needMs - usableMs).toFixed(0)} ms`;
}
