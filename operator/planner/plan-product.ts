// Plans one or more pipelines on one GPU product: profiles → fixed costs → candidate SLO splits,
// each placed and packed to keep the one needing the fewest GPUs → saturated GPUs → squishy
// packing of all residuals together (Nexus packs across sessions).
import { busyMicros } from './backends.ts';
import { shortfall, usableSloMs } from './fixed-costs.ts';
import type { HostedPacking, Residual } from './host-pack.ts';
import { packWithHosts } from './host-pack.ts';
import { ingestBasis } from './ingest.ts';
import { packJointly, packResiduals } from './joint-pack.ts';
import type { BatchProfile } from './profile.ts';
import { buildProfile } from './profile.ts';
import type { StageGraph } from './rates.ts';
import type { PlannedGpu, StageTask } from './saturate.ts';
import { saturate } from './saturate.ts';
import type { SloSplit } from './slo-split.ts';
import { splitFor } from './slo-split.ts';
import type { PlannerPipeline, PlannerSession } from './types.ts';

export { usableSloMs };

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

interface Placed {
  split: SloSplit;
  tasks: StageTask[];
  saturatedGpus: PlannedGpu[];
  residuals: Residual[];
}

interface Chosen {
  /** Saturated GPUs and residuals at the chosen split, before any packing. */
  placed: Placed;
  tried: SplitTrial[];
  /** The residuals packed on their own (saturated GPUs opened up to host some), when chosen so. */
  alone?: HostedPacking;
}

/** One pipeline on one product, ready to be packed alone or with others. */
export interface PreparedPipeline extends PipelineOnProduct {
  saturatedGpus: PlannedGpu[];
  residuals: Residual[];
  /** This pipeline packed on its own: what it would need if it shared no GPU. */
  alone: HostedPacking;
}

export type ProductPlan =
  | {
      ok: true;
      product: string;
      gpuMemoryMiB: number;
      pipelines: PreparedPipeline[];
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
  /**
   * Baseline for comparisons: a plain Nexus-style packer — the fractional split, then squishy
   * packing in occupancy order only, no saturated GPU opened up to host a residual.
   */
  plainPacking?: boolean;
  /** Prepare every candidate product, even those that cannot beat the best (product-choice.ts). */
  everyProduct?: boolean;
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
      pipeline: pipeline.name,
      stage: stage.name,
      session: stage.session,
      profile: profiles[v]!,
      rateVps: graph.rateVps[v]!,
      budgetMs: split.budgetMs[v]!,
      arrivals: graph.arrivals[v]!,
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
  if (!packing) return typeof placedFirst === 'string' ? placedFirst : { placed: placedFirst, tried: [] };
  const fewestPossible = Math.ceil(fractional.lowerBoundGpus - 1e-9);
  const tried: SplitTrial[] = [];
  let best: Required<Chosen> | undefined;
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
    const gpus = best ? best.alone.saturatedGpus.length + best.alone.packedGpus.length : Infinity;
    const better =
      all.length < gpus ||
      (all.length === gpus &&
        (occupancy < bestOccupancy ||
          (occupancy === bestOccupancy && placed.split.lowerBoundGpus < best!.placed.split.lowerBoundGpus)));
    if (better) {
      const { ok: _, ...alone } = packed;
      best = { placed, tried, alone };
      bestOccupancy = occupancy;
    }
  };
  consider(placedFirst);
  const first = tried[0]?.gpus;
  if (first === undefined || first > fewestPossible) consider(place(pipeline, graph, profiles, packing()));
  return best ?? firstError ?? 'no split fits';
}

export type Prepared = { ok: true; prepared: PreparedPipeline } | { ok: false; message: string };

/**
 * One pipeline on one product: profiles, fixed costs, the SLO split, saturated GPUs and
 * residuals, and the pipeline packed on its own (saturated GPUs opened up to host a residual
 * where that saves a GPU, host-pack.ts). Baselines (`options`) skip the packing-aware split.
 */
export function preparePipeline(
  { pipeline, graph }: PipelineInput,
  sessions: Map<string, PlannerSession>,
  product: string,
  gpuMemoryMiB: number,
  options: ProductOptions = {},
  /** The stages' profiles on `product`, when the caller built them already. */
  built?: BatchProfile[],
): Prepared {
  const profiles: BatchProfile[] = built ?? [];
  for (const stage of built ? [] : pipeline.stages) {
    const one = buildProfile(sessions.get(stage.session)!, product, gpuMemoryMiB);
    if (!one.ok) return { ok: false, message: `stage ${stage.name}: ${one.message}` };
    profiles.push(one.profile);
  }
  const usableMs = usableSloMs(pipeline, graph);
  if (usableMs <= 0) {
    const message = `SLO ${pipeline.sloMs} ms leaves ${usableMs} ms after ingest ${pipeline.ingestAllowanceMs} ms${ingestBasis(pipeline)} and ${graph.longestPathStages} hops of ${pipeline.hopAllowanceMs} ms`;
    return { ok: false, message };
  }
  const baseline = options.evenSplit || options.fractionalSplit || options.plainPacking;
  const split = splitFor(graph, profiles, usableMs, options.evenSplit ? 'even' : 'fractional');
  if (!Number.isFinite(split.lowerBoundGpus)) {
    return { ok: false, message: shortfall(pipeline, graph, profiles, usableMs) };
  }
  const seriesParallel = split.method === 'series-parallel';
  const packing = () => splitFor(graph, profiles, usableMs, 'packing', seriesParallel);
  const chosen = choose(pipeline, graph, profiles, split, baseline ? undefined : packing, gpuMemoryMiB);
  if (typeof chosen === 'string') return { ok: false, message: chosen };
  const { placed } = chosen;
  let alone = chosen.alone;
  if (!alone) {
    const packed = packResiduals(placed.saturatedGpus, placed.residuals, gpuMemoryMiB, split, options);
    if (!packed.ok) return { ok: false, message: packed.message };
    alone = packed;
  }
  return {
    ok: true,
    prepared: {
      pipeline,
      graph,
      usableMs,
      split: placed.split,
      tasks: placed.tasks,
      tried: chosen.tried,
      fractionalOptimumGpus: split.lowerBoundGpus,
      saturatedGpus: placed.saturatedGpus,
      residuals: placed.residuals,
      alone,
    },
  };
}

export function planOnProduct(
  inputs: PipelineInput[],
  sessions: Map<string, PlannerSession>,
  product: string,
  gpuMemoryMiB: number,
  options: ProductOptions = {},
): ProductPlan {
  const pipelines: PreparedPipeline[] = [];
  for (const input of inputs) {
    const prepared = preparePipeline(input, sessions, product, gpuMemoryMiB, options);
    if (!prepared.ok) return { ok: false, product, message: prepared.message };
    pipelines.push(prepared.prepared);
  }
  const packed = packJointly(pipelines, gpuMemoryMiB, options);
  if (!packed.ok) return { ok: false, product, message: packed.message };
  const lowerBoundGpus = pipelines.reduce((s, p) => s + p.split.lowerBoundGpus, 0);
  return {
    ok: true,
    product,
    gpuMemoryMiB,
    pipelines,
    gpus: [...packed.saturatedGpus, ...packed.packedGpus],
    lowerBoundGpus,
    hosted: packed.hosted,
  };
}
