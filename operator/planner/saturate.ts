// Saturated GPUs (DESIGN.md step 4, Nexus SOSP'19 §6.1): a stage whose rate fills whole GPUs at
// its best batch B gets ⌊R / TP(B)⌋ GPUs running B back to back; what is left is a residual rate
// for squishy packing.
import type { BatchProfile } from './profile.ts';
import { saturatedBatch, throughputVps } from './profile.ts';

/** One stage of one pipeline on one product, with its budget: the unit the planner places. */
export interface StageTask {
  /** Unique across everything packed together, e.g. "namespace/pipeline/stage". */
  key: string;
  /** The pipeline's name (its namespace is the plan's). */
  pipeline: string;
  stage: string;
  session: string;
  profile: BatchProfile;
  rateVps: number;
  budgetMs: number;
}

export interface Placement {
  task: StageTask;
  batchSize: number;
  rateVps: number;
}

export interface PlannedGpu {
  dutyCycleMicros: number;
  placements: Placement[];
  saturated: boolean;
}

/** Relative rate below which a residual is float noise, not load. */
const RESIDUAL_EPSILON = 1e-9;

export function saturate(task: StageTask): { gpus: PlannedGpu[]; residualVps: number } | undefined {
  if (task.rateVps <= 0) return { gpus: [], residualVps: 0 };
  const batch = saturatedBatch(task.profile, task.budgetMs * 1000);
  if (batch === 0) return undefined;
  const tp = throughputVps(task.profile, batch);
  const count = Math.floor(task.rateVps / tp + RESIDUAL_EPSILON);
  let residualVps = task.rateVps - count * tp;
  if (residualVps <= task.rateVps * RESIDUAL_EPSILON) residualVps = 0;
  const perGpuVps = count > 0 ? (task.rateVps - residualVps) / count : 0;
  const gpu: PlannedGpu = {
    dutyCycleMicros: task.profile.latencyMicros[batch]!,
    placements: [{ task, batchSize: batch, rateVps: perGpuVps }],
    saturated: true,
  };
  return { gpus: Array.from({ length: count }, () => gpu), residualVps };
}
