// Plans one or more pipelines on one GPU product: profiles → fixed costs → candidate SLO splits,
// each placed and packed to keep the one needing the fewest GPUs → saturated GPUs → squishy
// packing of all residuals together (Nexus packs across sessions).
import { busyMicros } from './backends.ts';
import type { Residual } from './host-pack.ts';
import { packWithHosts } from './host-pack.ts';
import { ingestBasis } from './ingest.ts';
import type { BatchProfile } from './profile.ts';
import { buildProfile } from './profile.ts';
import type { StageGraph } from './rates.ts';
import type { PlannedGpu, StageTask } from './saturate.ts';
import { saturate } from './saturate.ts';
import type { SloSplit } from './slo-split.ts';
import { splitFor } from './slo-split.ts';
import type { PlannerPipeline, PlannerSession } from './types.ts';

export interface PipelineInput {
  pipeline: PlannerPipeline;
  graph: StageGraph;
}

export interface PipelineOnProduct extends PipelineInput {
  usableMs: number;
  split: SloSplit;
  tasks: StageTask[];
  /** The candidate splits placed and packed alone, fractional first (empty for a baseline). */
  tried: SplitTrial[];
  /** Σ R/TP* at the fractional-optimal split: no split on the grid needs fewer. */
  fractionalOptimumGpus: number;
}

export interface SplitTrial {
  split: SloSplit;
  /** GPUs with this pipeline's residuals packed on their own. */
  gpus: number;
}

interface Chosen {
  placed: Placed;
  tried: SplitTrial[];
  /** The residuals packed on their own, when the choice needed it. */
  packedGpus?: PlannedGpu[];
  hosted: string[];
}

interface Placed {
  split: SloSplit;
  tasks: StageTask[];
  saturatedGpus: PlannedGpu[];
  residuals: Residual[];
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
      /** Saturated GPUs opened up to host a light residual (host-pack.ts), one line each. */
      hosted: string[];
    }
  | { ok: false; product: string; message: string };

export interface ProductOptions {
  /** Baseline for comparisons: split the SLO evenly instead of optimising it. */
  evenSplit?: boolean;
  /** Baseline for comparisons: only the fractional-optimal split (Σ R/TP*), no packing-aware one. */
  fractionalSplit?: boolean;
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

/** One pipeline's tasks, saturated GPUs and residuals under a split, or why none fits. */
function place(
  pipeline: PlannerPipeline,
  graph: StageGraph,
  profiles: BatchProfile[],
  split: SloSplit,
): Placed | string {
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
  const saturatedGpus: PlannedGpu[] = [];
  const residuals: Residual[] = [];
  for (const v of graph.order) {
    const task = tasks[v]!;
    const saturated = saturate(task);
    if (!saturated) return `stage ${task.stage}: no batch fits ${task.budgetMs} ms`;
    saturatedGpus.push(...saturated.gpus);
    if (saturated.residualVps > 0) residuals.push({ task, rateVps: saturated.residualVps });
  }
  return { split, tasks, saturatedGpus, residuals };
}

/**
 * Places the fractional-optimal split and packs its residuals on their own; if that needs more
 * than ⌈fractional optimum⌉ GPUs (which no split can beat), does the same with the packing-aware
 * split and keeps the fewer GPUs, then the lower total occupancy (more headroom), then the lower
 * fractional cost. A candidate that cannot be placed or packed is skipped.
 */
function choose(
  pipeline: PlannerPipeline,
  graph: StageGraph,
  profiles: BatchProfile[],
  fractional: SloSplit,
  packing: (() => SloSplit) | undefined,
  gpuMemoryMiB: number,
): Chosen | string {
  const placedFirst = place(pipeline, graph, profiles, fractional);
  if (!packing) {
    return typeof placedFirst === 'string' ? placedFirst : { placed: placedFirst, tried: [], hosted: [] };
  }
  const fewestPossible = Math.ceil(fractional.lowerBoundGpus - 1e-9);
  const tried: SplitTrial[] = [];
  let best: Chosen | undefined;
  let bestOccupancy = 0;
  let firstError: string | undefined;
  const consider = (placed: Placed | string) => {
    if (typeof placed === 'string') {
      firstError ??= placed;
      return;
    }
    const packed = packWithHosts(placed.saturatedGpus, placed.residuals, gpuMemoryMiB, fewestPossible);
    if (!packed.ok) {
      firstError ??= packed.message;
      return;
    }
    const all = [...packed.saturatedGpus, ...packed.packedGpus];
    const occupancy = all.reduce((s, g) => s + busyMicros(g) / g.dutyCycleMicros, 0);
    tried.push({ split: placed.split, gpus: all.length });
    const gpus = best ? best.placed.saturatedGpus.length + best.packedGpus!.length : Infinity;
    const better =
      all.length < gpus ||
      (all.length === gpus &&
        (occupancy < bestOccupancy ||
          (occupancy === bestOccupancy && placed.split.lowerBoundGpus < best!.placed.split.lowerBoundGpus)));
    if (better) {
      const { saturatedGpus, residuals, packedGpus, hosted } = packed;
      best = { placed: { ...placed, saturatedGpus, residuals }, tried, packedGpus, hosted };
      bestOccupancy = occupancy;
    }
  };
  consider(placedFirst);
  const first = tried[0]?.gpus;
  if (first === undefined || first > fewestPossible) consider(place(pipeline, graph, profiles, packing()));
  return best ?? firstError ?? 'no split fits';
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
  const residuals: Residual[] = [];
  let packedAlone: PlannedGpu[] | undefined;
  const hosted: string[] = [];
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
      const message = `SLO ${pipeline.sloMs} ms leaves ${usableMs} ms after ingest ${pipeline.ingestAllowanceMs} ms${ingestBasis(pipeline)} and ${graph.longestPathStages} hops of ${pipeline.hopAllowanceMs} ms`;
      return { ok: false, product, message };
    }
    const baseline = options.evenSplit || options.fractionalSplit;
    const split = splitFor(graph, profiles, usableMs, options.evenSplit ? 'even' : 'fractional');
    if (!Number.isFinite(split.lowerBoundGpus)) {
      return { ok: false, product, message: shortfall(pipeline, graph, profiles, usableMs) };
    }
    const seriesParallel = split.method === 'series-parallel';
    const packing = () => splitFor(graph, profiles, usableMs, 'packing', seriesParallel);
    const chosen = choose(pipeline, graph, profiles, split, baseline ? undefined : packing, gpuMemoryMiB);
    if (typeof chosen === 'string') return { ok: false, product, message: chosen };
    const { tasks } = chosen.placed;
    lowerBoundGpus += chosen.placed.split.lowerBoundGpus;
    gpus.push(...chosen.placed.saturatedGpus);
    residuals.push(...chosen.placed.residuals);
    // One pipeline: its residuals were already packed on their own while choosing the split.
    if (inputs.length === 1) {
      packedAlone = chosen.packedGpus;
      hosted.push(...chosen.hosted);
    }
    const fractionalOptimumGpus = split.lowerBoundGpus;
    pipelines.push({
      pipeline,
      graph,
      usableMs,
      split: chosen.placed.split,
      tasks,
      tried: chosen.tried,
      fractionalOptimumGpus,
    });
  }
  if (packedAlone) gpus.push(...packedAlone);
  else {
    // Several pipelines (or a baseline): all residuals packed together, hosts tried as well.
    const fewest = Math.ceil(pipelines.reduce((s, p) => s + p.fractionalOptimumGpus, 0) - 1e-9);
    const packed = packWithHosts(gpus, residuals, gpuMemoryMiB, fewest);
    if (!packed.ok) return { ok: false, product, message: packed.message };
    gpus.splice(0, gpus.length, ...packed.saturatedGpus, ...packed.packedGpus);
    hosted.splice(0, hosted.length, ...packed.hosted);
  }
  return { ok: true, product, gpuMemoryMiB, pipelines, gpus, lowerBoundGpus, hosted };
}
