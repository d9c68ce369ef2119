// How many ingest pods a plan needs (pure). The SLO split already assumes a video's download and
// decode take at most the ingest allowance; a pod works on `ingestConcurrency` videos at once (its
// CPUs), so one pod takes ingestConcurrency / allowance videos per second, and the planned source
// rate (load × peakFactor) sets the count. Several pipelines planned together add up.
import type { IngestPlan, PlannerPipeline } from './types.ts';

export const DEFAULT_INGEST_CONCURRENCY = 4;

function ingestCapacityVps(pipeline: PlannerPipeline): number | undefined {
  if (!(pipeline.ingestAllowanceMs > 0)) return undefined;
  const concurrency = pipeline.ingestConcurrency ?? DEFAULT_INGEST_CONCURRENCY;
  return (concurrency * 1000) / pipeline.ingestAllowanceMs;
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
