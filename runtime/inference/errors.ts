// Errors a stage reports for one item, and the model that cannot be loaded. No onnxruntime import
// here: preprocessing, batching and the backend throw these too.
import type { StageReason } from '../../contract/dead-letter-reasons.ts';
import { RuntimeError, type RuntimeErrorOptions } from '../errors.ts';

export type StageErrorReason = StageReason;

export class StageError extends RuntimeError<StageReason> {
  constructor(reason: StageReason, message: string, options: RuntimeErrorOptions = {}) {
    super(reason, message, options);
    this.name = 'StageError';
  }
}

/** Loading a model failed: missing file, checksum mismatch, provider unavailable. */
export class ModelLoadError extends RuntimeError<'ModelUnavailable'> {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ModelUnavailable', message, options);
    this.name = 'ModelLoadError';
  }
}
