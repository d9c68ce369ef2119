// Bounded waiting for the e2e files: poll a probe until it yields a value, or give up.
import { setTimeout as sleep } from 'node:timers/promises';

export interface EventuallyOptions {
  /** How long to keep trying, ms (default 120 s). */
  timeoutMs?: number;
  /** Pause between tries, ms (default 500). */
  intervalMs?: number;
  /** Whether a probe that throws is tried again (default) or fails the wait at once. */
  retryErrors?: boolean;
  /** More for the reader of a failed wait (a log tail, the cluster's state). */
  detail?: () => string | Promise<string>;
}

/**
 * Calls `probe` until it returns something other than undefined or false, and returns that. A
 * failed wait names `what` and the probe's last error (also its cause).
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  options: number | EventuallyOptions = {},
): Promise<T> {
  const {
    timeoutMs = 120_000,
    intervalMs = 500,
    retryErrors = true,
    detail,
  } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      if (!retryErrors) throw err;
      last = err;
    }
    if (Date.now() > deadline) {
      const more = detail ? `\n${await detail()}` : '';
      throw new Error(`gave up waiting for ${what}${last ? `: ${last}` : ''}${more}`, { cause: last });
    }
    await sleep(intervalMs);
  }
}
