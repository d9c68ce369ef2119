// What a simulation reports (pure): per pipeline the videos, SLO attainment (videos whose
// end-to-end latency is within latencySLO.p99Ms, over every video that arrived; one still
// unfinished when the run ends — a latency SLO after the last arrival — missed it), latency
// percentiles, throughput against the offered rate, deadline misses, and per backend group its
// device utilisation, batch fill (items / planned cap) and how far each pod's received rate was
// from the rate the plan gave it.

import type { SimModel } from './model.ts';
import type { PodState, SessionState, Videos } from './sim-state.ts';

export interface BackendSimulation {
  name: string;
  gpuProduct: string;
  replicas: number;
  plannedOccupancy: number;
  /** Busy device time over the run, per pod (mean over the group). */
  utilisation: number;
  /** Items per batch over the planned batch cap. */
  batchFill: number;
  /**
   * Mean and worst |received share / planned share − 1| over the group's pods and stages: a pod's
   * share of its stage's messages against the share of the stage's rate the plan gave it.
   */
  meanRateError: number;
  maxRateError: number;
}

export interface PipelineSimulation {
  /** Videos that arrived during the run. */
  videos: number;
  completed: number;
  /** Dead-lettered (a deadline that could not be met under latePolicy deadLetter). */
  failed: number;
  sloAttainment: number;
  p50Ms: number;
  p99Ms: number;
  /** Completed videos per second of the run. */
  throughputVps: number;
  /** The offered rate: the pipeline's load (status.target) × the load factor. */
  targetVps: number;
  /** What the plan was sized for: load × peakFactor. */
  plannedVps: number;
  deadlineMisses: number;
  backends: BackendSimulation[];
}

export interface SimResult {
  pipelines: PipelineSimulation[];
  videos: number;
  events?: number;
}

interface Run {
  videos: Videos;
  sessions: SessionState[];
  pods: PodState[];
  durationMs: number;
  endMs: number;
  loadFactor: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

const round = (x: number, digits = 4) => Number(x.toFixed(digits));

export function collectResults(model: SimModel, run: Run): SimResult {
  const { videos } = run;
  const perPipeline = model.pipelines.map(() => ({
    videos: 0,
    completed: 0,
    failed: 0,
    met: 0,
    latencies: [] as number[],
  }));
  for (let v = 0; v < videos.count; v++) {
    const p = perPipeline[videos.pipeline[v]!]!;
    p.videos++;
    const state = videos.state[v];
    if (state === 1) {
      p.completed++;
      const latencyMs = videos.doneAtMs[v]! - videos.ingestedAtMs[v]!;
      p.latencies.push(latencyMs);
      if (latencyMs <= model.pipelines[videos.pipeline[v]!]!.sloMs) p.met++;
    } else if (state === 2) p.failed++;
  }
  const seconds = run.durationMs / 1000;
  return {
    videos: videos.count,
    pipelines: model.pipelines.map((pipeline, i) => {
      const p = perPipeline[i]!;
      const sorted = Float64Array.from(p.latencies).sort();
      const groups = model.groups.filter((g) => g.pipelines.includes(i));
      const misses = run.sessions
        .filter((s) => s.spec.pipeline === i)
        .reduce((a, s) => a + s.deadlineMisses, 0);
      return {
        videos: p.videos,
        completed: p.completed,
        failed: p.failed,
        sloAttainment: p.videos === 0 ? 1 : round(p.met / p.videos),
        p50Ms: round(percentile(sorted, 0.5), 1),
        p99Ms: round(percentile(sorted, 0.99), 1),
        throughputVps: round(p.completed / seconds, 3),
        targetVps: round(pipeline.targetVps * run.loadFactor, 3),
        plannedVps: round(pipeline.plannedVps, 3),
        deadlineMisses: misses,
        backends: groups.map((g) => {
          const sessions = g.pods
            .flatMap((pod) => run.pods[pod]!.sessions)
            .filter((s) => s.spec.pipeline === i);
          // Each pod's share of its stage's messages against the share the plan gave it (the
          // realised arrivals differ from the nominal rate, bursty ones most: shares do not).
          const errors = sessions
            .filter((s) => s.spec.rateVps > 0)
            .map((s) => {
              const peers = run.sessions.filter(
                (o) => o.spec.pipeline === i && o.spec.stage === s.spec.stage,
              );
              const total = peers.reduce((a, o) => a + o.arrivals, 0);
              const planned = peers.reduce((a, o) => a + o.spec.rateVps, 0);
              if (total === 0 || planned === 0) return 0;
              return Math.abs(s.arrivals / total / (s.spec.rateVps / planned) - 1);
            });
          const items = sessions.reduce((a, s) => a + s.items, 0);
          const capacity = sessions.reduce((a, s) => a + s.capacity, 0);
          const busy = g.pods.reduce((a, pod) => a + run.pods[pod]!.busyMs, 0);
          return {
            name: g.name,
            gpuProduct: g.gpuProduct,
            replicas: g.replicas,
            plannedOccupancy: round(g.plannedOccupancy),
            utilisation: round(busy / (g.pods.length * run.durationMs)),
            batchFill: capacity === 0 ? 0 : round(items / capacity),
            meanRateError: errors.length === 0 ? 0 : round(errors.reduce((a, b) => a + b, 0) / errors.length),
            maxRateError: errors.length === 0 ? 0 : round(Math.max(...errors)),
          };
        }),
      };
    }),
  };
}
