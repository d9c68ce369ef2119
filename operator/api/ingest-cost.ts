// What one video costs the ingest, for the planner (pure): the pipeline's measured ingestProfile
// when it was measured at the pipeline's sampling, else a documented default per sampling mode.
// - CPU per video (mean) sizes the ingest pods: a pod decodes `downloadConcurrency` videos at once,
//   one core each, so it takes concurrency × 1000 / cpuMillisPerVideo videos per second.
// - The ingest's share of the SLO is 2 × the slowest measured video: a video that just missed a
//   decode slot waits for one decode, then runs its own (the 2ℓ(b) argument of DESIGN.md step 3).
//   `latencySLO.ingestAllowanceMs`, when set, replaces the share (not the pod sizing).
// Defaults (docs/sizing.md): a 720p 30 s H.264 clip costs one core 1.7-2.4 s decoded uniformly
// (every frame up to the last sample) and 0.13-0.2 s in keyframe mode; rounded up for headroom.
import type { VideoPipeline } from '../../contract/crd-types.generated.ts';
import type { SamplingMode } from '../../contract/decode-bounds.ts';

export const DEFAULT_INGEST_CPU_MILLIS: Readonly<Record<SamplingMode, number>> = {
  uniform: 2000,
  keyframes: 250,
};

export interface IngestCost {
  /** Mean CPU time per video, ms of one core: what ingest pods are sized by. */
  cpuMillisPerVideo: number;
  /** Where cpuMillisPerVideo comes from. */
  costBasis: string;
  /** Paid before the SLO split, ms. */
  latencyShareMs: number;
  /** Where latencyShareMs comes from, for the explanation and the Infeasible message. */
  shareBasis: string;
}

export function samplingModeOf(pipeline: VideoPipeline): SamplingMode {
  return pipeline.spec.sampling.mode ?? 'uniform';
}

function describe(s: { mode?: string; frames: number; width: number; height: number }): string {
  return `${s.mode ?? 'uniform'} ${s.frames}×${s.width}×${s.height}`;
}

export function ingestCostOf(pipeline: VideoPipeline): IngestCost {
  const { spec } = pipeline;
  const mode = samplingModeOf(pipeline);
  const sampling = { ...spec.sampling, mode };
  const profile = spec.ingestProfile;
  const matches =
    profile !== undefined &&
    profile.sampling.mode === mode &&
    profile.sampling.frames === sampling.frames &&
    profile.sampling.width === sampling.width &&
    profile.sampling.height === sampling.height;
  let cost: IngestCost;
  if (profile && matches) {
    const slowest = [...(profile.classes ?? [])].sort(
      (a, b) => b.maxCpuMillisPerVideo - a.maxCpuMillisPerVideo,
    )[0];
    const where = slowest ? `, ${slowest.codec} ${slowest.resolution}` : '';
    cost = {
      cpuMillisPerVideo: profile.meanCpuMillisPerVideo,
      costBasis: `the mean of the ingestProfile, ${profile.videos} video(s) measured at ${describe(sampling)}`,
      latencyShareMs: 2 * profile.maxCpuMillisPerVideo,
      shareBasis: `2 × the slowest video of the ingestProfile, ${profile.maxCpuMillisPerVideo} ms CPU${where}`,
    };
  } else {
    const millis = DEFAULT_INGEST_CPU_MILLIS[mode];
    const stale = profile ? `; the ingestProfile was measured at ${describe(profile.sampling)}` : '';
    const why = `no ingestProfile measured at ${describe(sampling)}${stale}: run vpo profile --ingest`;
    cost = {
      cpuMillisPerVideo: millis,
      costBasis: `the default for ${mode} sampling, ${why}`,
      latencyShareMs: 2 * millis,
      shareBasis: `2 × the default ${millis} ms CPU per video for ${mode} sampling, ${why}`,
    };
  }
  const allowance = spec.latencySLO.ingestAllowanceMs;
  if (allowance !== undefined) {
    return { ...cost, latencyShareMs: allowance, shareBasis: 'set by latencySLO.ingestAllowanceMs' };
  }
  return cost;
}
