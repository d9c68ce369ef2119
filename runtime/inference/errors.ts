// Errors a stage reports for one item. `reason` is the dead-letter reason (conventions.md).
// No onnxruntime import here: preprocessing, batching and the backend throw these too.

export type StageErrorReason = 'InputMismatch' | 'InferenceFailed' | 'DeadlineExceeded';

export class StageError extends Error {
  readonly reason: StageErrorReason;
  /** Whether trying the same item again may succeed (a transient failure, not bad input). */
  readonly retriable: boolean;

  constructor(
    reason: StageErrorReason,
    message: string,
    options: { cause?: unknown; retriable?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'StageError';
    this.reason = reason;
    this.retriable = options.retriable ?? false;
  }
}

/** Loading a model failed: missing file, checksum mismatch, provider unavailable. */
export class ModelLoadError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ModelLoadError';
  }
}
