// Typed ingest failures. Each carries a reason from docs/conventions.md that becomes the
// dead-letter reason; `retriable` tells the caller whether another attempt can help.

export type IngestReason =
  | 'SchemeNotAllowed'
  | 'ForbiddenAddress'
  | 'FetchFailed'
  | 'FetchTimeout'
  | 'NotFound'
  | 'TooLarge'
  | 'TooLong'
  | 'EmptyVideo'
  | 'NotAVideo'
  | 'DecodeFailed'
  /** A coded picture over the pipeline's maxPixelsPerFrame (refused before the decoder allocates). */
  | 'FrameTooLarge'
  /** Decoding would produce more than the pipeline's maxDecodedBytesPerVideo. */
  | 'DecodeBudgetExceeded'
  /** The pipeline asks for a decoder this ingest cannot open (source.decoder: gpu without NVDEC). */
  | 'DecoderUnavailable'
  | 'InvalidMessage';

const retriableReasons: ReadonlySet<IngestReason> = new Set(['FetchFailed', 'FetchTimeout']);

export class IngestError extends Error {
  readonly reason: IngestReason;
  readonly retriable: boolean;

  constructor(reason: IngestReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IngestError';
    this.reason = reason;
    this.retriable = retriableReasons.has(reason);
  }
}

export function isIngestError(err: unknown): err is IngestError {
  return err instanceof IngestError;
}
