// The batcher's decision (DESIGN.md, "The runtime"; Nexus's GetMaxBatch): given the waiting
// requests in deadline order and the learned latency ℓ(b), run the largest batch that still
// meets the oldest request's deadline, never above the planned batch; wait for more only while
// waiting can neither miss that deadline nor exceed maxQueueDelayMs. Under the `process` late
// policy, when more requests wait than that batch, it runs as many as the planned batch allows
// instead: shrinking a batch to save the head costs the device throughput exactly when a backlog
// needs it, and the backlog then makes every following head tighter (simulated on the game-streams
// sample at its planned load: 0.37 of videos within the SLO when shrinking, 0.65 without).
// Pure: time is passed in.
import { type LatencyFit, predictLatencyMs } from './latency-fit.ts';

export interface QueuedRequest {
  /** When the request must be finished, ms on the caller's clock. */
  deadlineMs: number;
  /** When it entered the queue, ms on the same clock. */
  enqueuedAtMs: number;
}

export type LatePolicy = 'process' | 'deadLetter';

/**
 * How long a head request waits for its batch to fill when the device is free: not at all. A
 * free device runs what is queued (up to the planned batch), so batches grow with the backlog
 * and shrink when it is gone. Waiting for a full batch made the worst case (a full duty cycle,
 * then ℓ(b)) every head's case, and the first burst then missed: simulated, the planner
 * benchmark's eight game mixes planned for Poisson arrivals (1% late per stage) kept 0.94–0.98 of
 * videos within the SLO when waiting, 0.98–0.996 without (same plans, same arrivals). A duty cycle
 * still gives every hosted session one turn.
 */
export const DEFAULT_MAX_QUEUE_DELAY_MS = 0;

export interface BatchInput {
  /** Waiting requests, earliest deadline first. */
  queue: readonly QueuedRequest[];
  nowMs: number;
  plannedBatch: number;
  latencyFit: LatencyFit;
  /** Longest a request waits for others to fill its batch, ms. */
  maxQueueDelayMs: number;
  latePolicy: LatePolicy;
}

export type BatchDecision =
  | { action: 'idle' }
  /** Take the first `count` requests of the queue and run them as one batch now. */
  | { action: 'run'; count: number; late: boolean }
  /** Nothing to run yet; decide again after `waitMs` (or when a request arrives). */
  | { action: 'wait'; waitMs: number }
  /** The first `count` requests can no longer meet their deadlines: fail them (DeadlineExceeded). */
  | { action: 'expire'; count: number };

/** Largest b in [1, limit] with now + ℓ(b) ≤ deadline; 0 when even b = 1 is too late. */
export function largestBatchWithin(fit: LatencyFit, slackMs: number, limit: number): number {
  // ℓ(b) = α + β·b rises with b (β ≥ 0), so the answer is where the line crosses the slack;
  // closed form, then checked against predictLatencyMs itself so rounding never admits a miss.
  if (limit < 1 || predictLatencyMs(fit, 1) > slackMs) return 0;
  if (fit.betaMs <= 0) return Math.floor(limit);
  let b = Math.min(Math.floor(limit), Math.floor((slackMs - fit.alphaMs) / fit.betaMs));
  while (b > 1 && predictLatencyMs(fit, b) > slackMs) b--;
  while (b < limit && predictLatencyMs(fit, b + 1) <= slackMs) b++;
  return Math.max(1, b);
}

export function chooseBatch(input: BatchInput): BatchDecision {
  const { queue, nowMs, latencyFit } = input;
  const head = queue[0];
  if (!head) return { action: 'idle' };
  const planned = Math.max(1, input.plannedBatch);
  const available = Math.min(queue.length, planned);
  const slackMs = head.deadlineMs - nowMs;
  const fitting = largestBatchWithin(latencyFit, slackMs, planned);

  if (fitting === 0) {
    if (input.latePolicy === 'deadLetter') {
      let count = 0;
      while (count < queue.length && queue[count]!.deadlineMs - nowMs < predictLatencyMs(latencyFit, 1))
        count++;
      return { action: 'expire', count };
    }
    // Late anyway: run at once, as many as the planned batch allows, to catch up.
    return { action: 'run', count: available, late: true };
  }
  if (available > fitting && input.latePolicy === 'process')
    return { action: 'run', count: available, late: predictLatencyMs(latencyFit, available) > slackMs };
  if (available >= fitting) return { action: 'run', count: fitting, late: false };

  // Fewer requests than the batch that would fit: wait for more, unless waiting would push the
  // head past its deadline (it must start by deadline − ℓ(b) for the batch it could still fill)
  // or it has already waited maxQueueDelayMs.
  const startByMs = head.deadlineMs - predictLatencyMs(latencyFit, fitting);
  const flushAtMs = Math.min(startByMs, head.enqueuedAtMs + input.maxQueueDelayMs);
  if (nowMs >= flushAtMs) return { action: 'run', count: available, late: false };
  return { action: 'wait', waitMs: flushAtMs - nowMs };
}
