// Retries an operation whose errors say they are retriable (`retriable: true`, kafkajs style),
// with exponential backoff; other errors fail at once. The sleep comes from the injected clock.

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Wait before the first retry; doubles per retry. */
  backoffMs: number;
}

export type Attempted<T> =
  | { ok: true; value: T; attempts: number }
  | { ok: false; error: unknown; attempts: number };

export function isRetriable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

export async function attempt<T>(
  operation: () => Promise<T>,
  policy: RetryPolicy,
  sleep: (ms: number) => Promise<void>,
): Promise<Attempted<T>> {
  for (let attempts = 1; ; attempts++) {
    try {
      return { ok: true, value: await operation(), attempts };
    } catch (error) {
      if (!isRetriable(error) || attempts > policy.maxRetries) return { ok: false, error, attempts };
      await sleep(policy.backoffMs * 2 ** (attempts - 1));
    }
  }
}
