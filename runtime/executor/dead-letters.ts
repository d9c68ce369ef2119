// Turns a failure into a dead-letter record: the reason is the error's own `reason` when it is a
// dead-letter reason (runtime/errors.ts; read by shape, because errors from worker threads arrive
// as plain objects), else the caller's fallback for that step.
import { boundedOriginal } from '../../contract/dead-letter.ts';
import { type DeadLetterReason, isDeadLetterReason } from '../../contract/dead-letter-reasons.ts';
import type { DeadLetter, StageMessage } from '../transport/transport.ts';

export function reasonOf(error: unknown, fallback: DeadLetterReason): DeadLetterReason {
  const reason =
    typeof error === 'object' && error !== null ? (error as { reason?: unknown }).reason : undefined;
  return isDeadLetterReason(reason) ? reason : fallback;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function deadLetterOf(
  message: Partial<StageMessage> | undefined,
  stage: string,
  reason: DeadLetterReason,
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
    original: boundedOriginal(original),
  };
}
