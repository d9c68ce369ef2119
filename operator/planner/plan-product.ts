// Plans one or more pipelines on one GPU product: profiles → fixed costs → SLO split →
// saturated GPUs → squishy packing of all residuals together (Nexus packs across sessions).
import type { BatchProfile } from './profile.ts';
import { buildProfile } from './profile.ts';
import type { StageGraph } from './rates.ts';
import type { PlannedGpu, StageTask } from './saturate.ts';
import { saturate } from './saturate.ts';
import type { SloSplit } from './slo-split.ts';
import { splitSlo } from './slo-split.ts';
import { squishyPack } from './squishy-pack.ts';
import type { PlannerPipeline, PlannerSession } from './types.ts';

export interface PipelineInput {
  pipeline: PlannerPipeline;
  graph: StageGraph;
}

export interface PipelineOnProduct extends PipelineInput {
  usableMs: number;
  split: SloSplit;
  tasks: StageTask[];
}

export type ProductPlan =
  | {
      ok: true;
      product: string;
      gpuMemoryMiB: number;
      pipelines: PipelineOnProduct[];
      /** Saturated GPUs first (pipeline then stage order), then packed GPUs. */
      gpus: PlannedGpu[];
      lowerBoundGpus: number;
    }
  | { ok: false; product: string; message: string };

export interface ProductOptions {
  /** Baseline for comparisons: split the SLO evenly instead of optimising it. */
  evenSplit?: boolean;
}

/** Fixed costs first: download + decode, then one hop per stage on the longest path. */
export function usableSloMs(pipeline: PlannerPipeline, graph: StageGraph): number {
  return Math.floor(
    pipeline.sloMs - pipeline.ingestAllowanceMs - pipeline.hopAllowanceMs * graph.longestPathStages,
  );
}

/** Why nothing fits: the path whose minimum worst case (2ℓ at the fastest batch) is longest. */
function shortfall(
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

export function planOnProduct(
  inputs: PipelineInput[],
  sessions: Map<string, PlannerSession>,
  product: string,
  gpuMemoryMiB: number,
  options: ProductOptions = {},
): ProductPlan {
  const pipelines: PipelineOnProduct[] = [];
  const gpus: PlannedGpu[] = [];
  const residuals: { task: StageTask; rateVps: number }[] = [];
  let lowerBoundGpus = 0;
  for (const { pipeline, graph } of inputs) {
    const profiles: BatchProfile[] = [];
    for (const stage of pipeline.stages) {
      const built = buildProfile(sessions.get(stage.session)!, product, gpuMemoryMiB);
      if (!built.ok) return { ok: false, product, message: `stage ${stage.name}: ${built.message}` };
      profiles.push(built.profile);
    }
    const usableMs = usableSloMs(pipeline, graph);
    if (usableMs <= 0) {
      const message = `SLO ${pipeline.sloMs} ms leaves ${usableMs} ms after ingest ${pipeline.ingestAllowanceMs} ms and ${graph.longestPathStages} hops of ${pipeline.hopAllowanceMs} ms`;
      return { ok: false, product, message };
    }
    const split = splitSlo(graph, profiles, usableMs, options.evenSplit);
    if (!Number.isFinite(split.lowerBoundGpus)) {
      return { ok: false, product, message: shortfall(pipeline, graph, profiles, usableMs) };
    }
    lowerBoundGpus += split.lowerBoundGpus;
    const tasks = pipeline.stages.map(
      (stage, v): StageTask => ({
        key: `${pipeline.namespace}/${pipeline.name}/${stage.name}`,
        stage: stage.name,
        session: stage.session,
        profile: profiles[v]!,
        rateVps: graph.rateVps[v]!,
        budgetMs: split.budgetMs[v]!,
      }),
    );
    for (const v of graph.order) {
      const task = tasks[v]!;
      const saturated = saturate(task);
      if (!saturated) {
        return { ok: false, product, message: `stage ${task.stage}: no batch fits ${task.budgetMs} ms` };
      }
      gpus.push(...saturated.gpus);
      if (saturated.residualVps > 0) residuals.push({ task, rateVps: saturated.residualVps });
    }
    pipelines.push({ pipeline, graph, usableMs, split, tasks });
  }
  const packed = squishyPack(residuals, gpuMemoryMiB);
  if (!packed.ok) return { ok: false, product, message: packed.message };
  gpus.push(...packed.gpus);
  return { ok: true, product, gpuMemoryMiB, pipelines, gpus, lowerBoundGpus };
}
