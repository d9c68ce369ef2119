// Device emulation, a test and benchmark knob (`vpo runtime --emulate-device-latency`): emulates
// the planned device's speed so a cluster of fake GPUs behaves like real ones. A batch that ran
// faster than the planned product's profiled latency ℓ(b) is padded to it, so a backend on a fast
// CPU does not outrun the GPU the planner sized it for (and lag grows when the plan is short).
// Pure: the batch loop sleeps for what profiledLatencyMs says is left.
import type { LatencySample } from '../batching/latency-fit.ts';

/**
 * ℓ(b) from profile points: exact at a point, linear between the two nearest, and proportional
 * to the nearest point's per-item latency outside the profiled range. 0 without a profile.
 */
export function profiledLatencyMs(profile: readonly LatencySample[], batchSize: number): number {
  const points = [...profile].filter((p) => p.batchSize > 0).sort((a, b) => a.batchSize - b.batchSize);
  if (points.length === 0 || batchSize <= 0) return 0;
  const first = points[0]!;
  const last = points[points.length - 1]!;
  if (batchSize <= first.batchSize) return (first.latencyMs * batchSize) / first.batchSize;
  if (batchSize >= last.batchSize) return (last.latencyMs * batchSize) / last.batchSize;
  for (let i = 1; i < points.length; i++) {
    const hi = points[i]!;
    if (batchSize > hi.batchSize) continue;
    const lo = points[i - 1]!;
    return (
      lo.latencyMs +
      ((hi.latencyMs - lo.latencyMs) * (batchSize - lo.batchSize)) / (hi.batchSize - lo.batchSize)
    );
  }
  return last.latencyMs;
}

/** Milliseconds to wait after a batch that took `elapsedMs`, so it lasts ℓ(b); never negative. */
export function emulationPadMs(
  profile: readonly LatencySample[],
  batchSize: number,
  elapsedMs: number,
): number {
  return Math.max(0, profiledLatencyMs(profile, batchSize) - elapsedMs);
}
