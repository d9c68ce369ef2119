// Saturated GPUs (DESIGN.md step 4, Nexus SOSP'19 §6.1): a stage whose rate fills whole GPUs at
// its best batch B gets ⌊R / TP(B)⌋ GPUs running B back to back; what is left is a residual rate
// for squishy packing.
import type { Arrivals } from './headroom.ts';
import type { BatchProfile } from './profile.ts';
import { saturatedBatch, usableThroughputVps } from './profile.ts';
import { alone } from './squishy-pack.ts';

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
  /** Items per video at this stage (≥ 1): they arrive together (headroom.ts). */
  arrivals: Arrivals;
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
  const batch = saturatedBatch(task.profile, task.budgetMs * 1000, task.arrivals);
  if (batch === 0) return undefined;
  const tp = usableThroughputVps(task.profile, batch, task.budgetMs * 1000, task.arrivals);
  let count = Math.floor(task.rateVps / tp + RESIDUAL_EPSILON);
  let residualVps = task.rateVps - count * tp;
  if (residualVps <= task.rateVps * RESIDUAL_EPSILON) residualVps = 0;
  // A residual no batch can serve alone (random arrivals: a packed cycle may carry less than the
  // back-to-back batch with the budget's rounds of waiting) is one more GPU of this kind, the
  // rate spread evenly.
  if (residualVps > 0 && !alone(task, residualVps)) {
    count++;
    residualVps = 0;
  }
  const perGpuVps = count > 0 ? (task.rateVps - residualVps) / count : 0;
  const gpu: PlannedGpu = {
    dutyCycleMicros: task.profile.latencyMicros[batch]!,
    placements: [{ task, batchSize: batch, rateVps: perGpuVps }],
    saturated: true,
  };
  return { gpus: Array.from({ length: count }, () => gpu), residualVps };
}
