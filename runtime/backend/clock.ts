// The backend's notion of time, injected so tests can drive it by hand.
import { setTimeout as delay } from 'node:timers/promises';

export interface Clock {
  nowMs(): number;
  /** Resolves after `ms`, or early when `signal` aborts (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export function systemClock(): Clock {
  return {
    nowMs: () => performance.now(),
    sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : {}).catch(() => undefined),
  };
}
