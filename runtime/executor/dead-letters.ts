// Turns a failure into a dead-letter record: the reason is the error's own `reason` when it is one
// CamelCase word (IngestError, StageError), else the caller's fallback for that step.
import type { DeadLetter, StageMessage } from '../transport/transport.ts';

const reasonPattern = /^[A-Z][A-Za-z]*$/;

export function reasonOf(error: unknown, fallback: string): string {
  const reason =
    typeof error === 'object' && error !== null ? (error as { reason?: unknown }).reason : undefined;
  return typeof reason === 'string' && reasonPattern.test(reason) ? reason : fallback;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function deadLetterOf(
  message: Partial<StageMessage> | undefined,
  stage: string,
  reason: string,
  error: unknown,
  attempts: number,
  original: unknown = message,
): DeadLetter {
  return {
    videoId: typeof message?.videoId === 'string' ? message.videoId : '',
    source: typeof message?.source === 'string' ? message.source : '',
    stage,
    reason,
    attempts,
    error: errorText(error),
    original,
  };
}
