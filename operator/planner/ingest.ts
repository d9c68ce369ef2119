// How many ingest pods a plan needs (pure). A pod works on `ingestConcurrency` videos at once, one
// CPU each, so with a measured (or default) CPU cost per video it takes ingestConcurrency × 1000 /
// cpuMillisPerVideo videos per second; without a cost, the ingest allowance stands in as the time
// per video. The planned source rate (load × peakFactor) sets the count. Several pipelines planned
// together add up.
import type { IngestPlan, PlannerPipeline } from './types.ts';

export const DEFAULT_INGEST_CONCURRENCY = 4;

/** Milliseconds one video occupies a decode slot: its CPU cost, else the allowance. */
export function ingestMillisPerVideo(pipeline: PlannerPipeline): number {
  return pipeline.ingestCost?.cpuMillisPerVideo ?? pipeline.ingestAllowanceMs;
}

function ingestCapacityVps(pipeline: PlannerPipeline): number | undefined {
  const millis = ingestMillisPerVideo(pipeline);
  if (!(millis > 0)) return undefined;
  const concurrency = pipeline.ingestConcurrency ?? DEFAULT_INGEST_CONCURRENCY;
  return (concurrency * 1000) / millis;
}

/** The ingest pods of one pipeline. */
export function planIngestFor(pipeline: PlannerPipeline): IngestPlan {
  const capacityVps = ingestCapacityVps(pipeline);
  if (capacityVps === undefined) return { replicas: 1 };
  const rateVps = pipeline.videosPerSecond * pipeline.peakFactor;
  // A hair of tolerance so a rate of exactly k pods' capacity does not round up to k + 1.
  const replicas = Math.max(1, Math.ceil(rateVps / capacityVps - 1e-9));
  return { replicas, capacityVps };
}

export function planIngest(pipelines: PlannerPipeline[]): IngestPlan {
  const plans = pipelines.map(planIngestFor);
  if (plans.length === 1) return plans[0]!;
  return { replicas: plans.reduce((n, p) => n + p.replicas, 0) };
}

/** " (…)" after the ingest share in messages: which figure the plan used. */
export function ingestBasis(pipeline: PlannerPipeline): string {
  return pipeline.ingestCost ? ` (${pipeline.ingestCost.shareBasis})` : '';
}
