// Is the pipeline degraded (pure; API.md "Conditions")? Two causes:
// - LagGrowing: the backlog grew since the last observation AND is more than the SLO lets be in
//   flight (arrivals × the p99 SLO): work merely in flight rises and falls with every batch, so
//   it is not a sign of trouble; a backlog past what the SLO allows that keeps growing is;
// - BelowTarget: over a full epoch, the output topic's throughput stayed below what was expected
//   by more than the hysteresis band (below lowFactor × expected). Expected is the target (the
//   planned rate, or the spec's) capped by what is offered (the arrival rate; with nothing
//   arriving, the backlog drained within one epoch): a pipeline cannot produce videos nobody
//   sends, so an idle pipeline (nothing arriving, nothing waiting) is never degraded.
import type { LoadPolicy, LoadSample } from './policy.ts';

export type DegradedVerdict =
  | { degraded: false }
  | { degraded: true; reason: 'LagGrowing' | 'BelowTarget'; message: string };

const fmt = (n: number) => String(Math.round(n * 100) / 100);

export function judgeDegraded(
  sample: LoadSample | undefined,
  previousLag: number | undefined,
  targetVps: number,
  policy: Pick<LoadPolicy, 'epochMs' | 'lowFactor'>,
  latencySloMs = 0,
): DegradedVerdict {
  if (!sample) return { degraded: false };
  const { lag } = sample;
  const backlog = sample.backlogVideos ?? lag;
  const inFlightAllowance = sample.arrivalVps * (latencySloMs / 1000);
  if (previousLag !== undefined && lag > previousLag && backlog > inFlightAllowance && lag > 0)
    return {
      degraded: true,
      reason: 'LagGrowing',
      message: `lag grew from ${previousLag} to ${lag} messages; backlog ${fmt(backlog)} videos, more than the ${fmt(inFlightAllowance)} the latency SLO allows in flight`,
    };
  const offered = sample.arrivalVps > 0 || lag > 0;
  const throughput = sample.throughputVps;
  if (!offered || throughput === undefined || (sample.windowMs ?? 0) < policy.epochMs)
    return { degraded: false };
  // It can only match arrivals; with nothing arriving, a backlog should drain within an epoch.
  const offeredVps = sample.arrivalVps > 0 ? sample.arrivalVps : lag / (policy.epochMs / 1000);
  const expectedVps = Math.min(targetVps, offeredVps);
  if (throughput < expectedVps * policy.lowFactor) {
    return {
      degraded: true,
      reason: 'BelowTarget',
      message: `throughput ${fmt(throughput)} videos/s over ${fmt((sample.windowMs ?? 0) / 1000)} s, below ${fmt(policy.lowFactor)} × the expected ${fmt(expectedVps)} videos/s (arriving ${fmt(sample.arrivalVps)}, lag ${lag})`,
    };
  }
  return { degraded: false };
}
