// A counting semaphore: at most `max` tasks run at once, the rest wait in FIFO order. Waiters are
// bounded too (`maxWaiting`), so a flood of requests is refused instead of queued without limit.

export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
  readonly active: number;
  readonly waiting: number;
}

export class LimiterFullError extends Error {
  constructor(maxWaiting: number) {
    super(`limiter queue full (${maxWaiting} waiting)`);
    this.name = 'LimiterFullError';
  }
}

export function createLimiter(max: number, maxWaiting = Number.POSITIVE_INFINITY): Limiter {
  if (!Number.isInteger(max) || max < 1)
    throw new RangeError(`limiter max must be an integer >= 1, got ${max}`);
  let active = 0;
  const queue: Array<() => void> = [];

  const acquire = (): Promise<void> => {
    if (active < max) {
      active++;
      return Promise.resolve();
    }
    if (queue.length >= maxWaiting) return Promise.reject(new LimiterFullError(maxWaiting));
    // The releasing task hands its slot over directly, so `active` stays unchanged.
    return new Promise((resolve) => queue.push(resolve));
  };

  const release = (): void => {
    const next = queue.shift();
    if (next) next();
    else active--;
  };

  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      await acquire();
      try {
        return await task();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
  };
}
