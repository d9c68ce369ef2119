// When observed load moves the plan (pure; DESIGN.md "Re-planning"). Load is judged in epochs at
// least `epochMs` apart; the plan follows only when the demand leaves the hysteresis band
// [lowFactor, highFactor] × the planned rate, so noise around the target never re-plans. Demand
// is the arrival rate plus what it takes to drain the backlog within one epoch, where the backlog
// is counted in videos (not messages summed over stage topics) and the work the latency SLO lets be
// in flight at the arrival rate (arrival × p99 SLO) is no backlog: a pipeline keeping up always has
// that much uncommitted; while a backlog past that shrinks from epoch to epoch, it is draining and
// the plan holds.
// After a re-plan the next waits until the new plan's backends are available (or a grace period):
// a rollout's own backlog must not feed the next re-plan. No signal yet (no samples, nothing
// arrived, nothing waiting) means the spec's target stands.

import type { ObservedFanOut } from './fan-out-observed.ts';

export interface LoadPolicy {
  epochMs: number;
  lowFactor: number;
  highFactor: number;
  /** The plan never goes below this fraction of the spec's target rate. */
  minFractionOfTarget: number;
  /**
   * After a load re-plan, the next one waits until the new plan's backends are all available, or
   * this long: a rollout replaces pods, the backlog it leaves is not new demand (else every
   * re-plan would cause the next, bigger one).
   */
  rolloutGraceMs: number;
}

export const DEFAULT_LOAD_POLICY: LoadPolicy = {
  epochMs: 10_000,
  lowFactor: 0.8,
  highFactor: 1.1,
  minFractionOfTarget: 0.1,
  rolloutGraceMs: 120_000,
};

export interface LoadSample {
  /** Videos per second arriving on the source topic. */
  arrivalVps: number;
  /** Messages waiting across the pipeline's stage topics (status.observed.lag). */
  lag: number;
  /** Videos waiting: the largest per-stage lag over that topic's messages per video (`lag` if absent). */
  backlogVideos?: number;
  /** Videos per second produced on the output topic (the pipeline's throughput). */
  throughputVps?: number;
  /** The span the rates were measured over, milliseconds. */
  windowMs?: number;
  /** p99 end-to-end latency of the newest output records, when any were read. */
  p99LatencyMs?: number;
  /** Why the latest read of output records failed, if it did. */
  latencyError?: string;
  /** Outputs per input of the stages followed by a one-input stage (fan-out-observed.ts). */
  fanOut?: ObservedFanOut[];
}

export interface LoadState {
  /** The source rate (before peakFactor) the current plan is for. */
  plannedVps: number;
  /** When the last load-driven decision was made (epoch start). */
  epochStartMs: number;
  /** The demand of the previous epoch when it was below the band (scale-down waits one more). */
  belowVps?: number;
  /** When the last load re-plan was made, until its backends were all seen available. */
  rolloutSinceMs?: number;
  /** The backlog (videos) at the last epoch: a backlog that shrank since is draining, not demand. */
  backlogVideos?: number;
}

export type LoadDecision =
  | { replan: false; state: LoadState }
  | { replan: true; state: LoadState; demandVps: number; reason: 'LoadAbove' | 'LoadBelow' };

/** The spec's target rate, and the p99 latency objective that bounds the work in flight. */
export interface LoadTarget {
  vps: number;
  latencySloMs: number;
}

/** Arrival plus the backlog beyond what the SLO allows in flight, drained within one epoch. */
export function demandVps(
  sample: LoadSample,
  latencySloMs: number,
  policy: Pick<LoadPolicy, 'epochMs'>,
): number {
  const backlog = sample.backlogVideos ?? sample.lag;
  const allowed = sample.arrivalVps * (Math.max(0, latencySloMs) / 1000);
  return sample.arrivalVps + Math.max(0, backlog - allowed) / (policy.epochMs / 1000);
}

export function decide(
  state: LoadState,
  sample: LoadSample | undefined,
  target: LoadTarget,
  nowMs: number,
  policy: LoadPolicy = DEFAULT_LOAD_POLICY,
  /** Whether every backend of the current plan is available (false while a rollout runs). */
  rolledOut = true,
): LoadDecision {
  const targetVps = target.vps;
  if (nowMs - state.epochStartMs < policy.epochMs) return { replan: false, state };
  const { rolloutSinceMs, backlogVideos: lastBacklog, ...rest0 } = state;
  const backlog = sample ? (sample.backlogVideos ?? sample.lag) : undefined;
  const next: LoadState = {
    ...rest0,
    epochStartMs: nowMs,
    ...(backlog !== undefined ? { backlogVideos: backlog } : {}),
  };
  if (rolloutSinceMs !== undefined && !rolledOut && nowMs - rolloutSinceMs < policy.rolloutGraceMs) {
    // The last re-plan's pods are still starting: hold, whatever the load says meanwhile.
    return { replan: false, state: { ...next, rolloutSinceMs } };
  }
  if (!sample || (sample.arrivalVps <= 0 && sample.lag <= 0)) return { replan: false, state: next };
  // A backlog past the SLO's allowance that shrank since the last epoch is draining with the
  // capacity there is: neither more (it drains) nor less (it would stop draining).
  const needed = demandVps(sample, target.latencySloMs, policy);
  const excess = needed > sample.arrivalVps;
  if (excess && lastBacklog !== undefined && backlog !== undefined && backlog < lastBacklog) {
    const { belowVps: _, ...rest } = next;
    return { replan: false, state: rest };
  }
  const demand = Math.max(needed, targetVps * policy.minFractionOfTarget);
  const planned = state.plannedVps;
  if (demand > planned * policy.highFactor) {
    const { belowVps: _, ...rest } = next;
    return {
      replan: true,
      state: { ...rest, plannedVps: demand, rolloutSinceMs: nowMs },
      demandVps: demand,
      reason: 'LoadAbove',
    };
  }
  if (demand < planned * policy.lowFactor) {
    // Scaling down waits for a second epoch below the band: a window that straddles the start of
    // the load (or a lull) must not shrink the plan just before the load arrives.
    if (state.belowVps === undefined) return { replan: false, state: { ...next, belowVps: demand } };
    const down = Math.max(demand, state.belowVps);
    const { belowVps: _, ...rest } = next;
    return {
      replan: true,
      state: { ...rest, plannedVps: down, rolloutSinceMs: nowMs },
      demandVps: down,
      reason: 'LoadBelow',
    };
  }
  const { belowVps: _, ...rest } = next;
  return { replan: false, state: rest };
}

/** Offset-rate from two end-offset readings: messages per second between them (never negative). */
export function offsetRate(
  before: { atMs: number; offset: number } | undefined,
  after: { atMs: number; offset: number },
): number | undefined {
  if (!before || after.atMs <= before.atMs) return undefined;
  return Math.max(0, (after.offset - before.offset) / ((after.atMs - before.atMs) / 1000));
}
