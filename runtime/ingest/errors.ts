// Typed ingest failures: the reason becomes the dead-letter reason; only fetch failures are worth
// another attempt.
import type { IngestReason } from '../../contract/dead-letter-reasons.ts';
import { RuntimeError } from '../errors.ts';

export type { IngestReason };

const retriableReasons: ReadonlySet<IngestReason> = new Set(['FetchFailed', 'FetchTimeout']);

export class IngestError extends RuntimeError<IngestReason> {
  constructor(reason: IngestReason, message: string, options?: { cause?: unknown }) {
    super(reason, message, { ...options, retriable: retriableReasons.has(reason) });
    this.name = 'IngestError';
  }
}

export function isIngestError(err: unknown): err is IngestError {
  return err instanceof IngestError;
}
