// The runtime's one error vocabulary: every failure it reports carries a typed reason (the
// dead-letter reason, contract/dead-letter-reasons.ts), whether another attempt can help
// (`retriable`), and the `cause` it wraps. Ingest, stage, frame-store and model-loading errors are
// kinds of it, so the executor turns any of them into a dead letter the same way.
import type { DeadLetterReason } from '../contract/dead-letter-reasons.ts';

/**
 * Failures that are not about one video (the process cannot serve). ProviderUnavailable: a
 * session's execution provider cannot run on this machine (runtime/doctor/doctor.ts).
 */
export type ServingReason = 'ModelUnavailable' | 'TransportUnavailable' | 'ProviderUnavailable';

export type RuntimeReason = DeadLetterReason | ServingReason;

export interface RuntimeErrorOptions {
  cause?: unknown;
  retriable?: boolean;
}

export class RuntimeError<R extends RuntimeReason = RuntimeReason> extends Error {
  readonly reason: R;
  /** Whether trying the same item again may succeed (a transient failure, not bad input). */
  readonly retriable: boolean;

  constructor(reason: R, message: string, options: RuntimeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RuntimeError';
    this.reason = reason;
    this.retriable = options.retriable ?? false;
  }
}
