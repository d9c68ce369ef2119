// The runtime's one clock, injected everywhere so tests drive time by hand. One time base for the
// whole data plane: milliseconds since the epoch (deadlines are ingestedAtMs + an offset, and
// ingestedAtMs crosses processes), with the sub-millisecond resolution of the monotonic
// performance clock, so batch latencies of fast models are measured, not rounded to 0 or 1 ms.
import { setTimeout as delay } from 'node:timers/promises';

export interface Clock {
  /** Milliseconds since the epoch, fractional. */
  nowMs(): number;
  /** Resolves after `ms`, or early when `signal` aborts (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  nowMs: () => performance.timeOrigin + performance.now(),
  sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : {}).catch(() => undefined),
};
