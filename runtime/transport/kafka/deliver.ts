// Runs a subscription's handler on one chunk with retries. Kafka failing (TransportError: the
// broker is down) is retried without limit while the consumer runs, since nothing is wrong with
// the messages; other failures are retried maxRetries times with doubling backoff, then the
// chunk's messages one by one, and a message that still fails is dead-lettered (a poison message
// must not block its partition).
import { isDeadLetterReason } from '../../../contract/dead-letter-reasons.ts';
import type { Clock } from '../../clock.ts';
import type { Logger } from '../../logger.ts';
import type { AfterCommit, DeadLetter, Handler, StageMessage } from '../transport.ts';

export interface DeliverContext {
  topic: string;
  stage: string;
  retry: { maxRetries: number; backoffMs: number };
  clock: Clock;
  logger: Logger;
  isRunning(): boolean;
  isTransportError(error: unknown): boolean;
  publishDeadLetters(letters: DeadLetter[]): Promise<void>;
}

const maxTransportBackoffMs = 2000;

/**
 * True once the chunk was handled (or dead-lettered); false when the consumer stopped first.
 * What the handler left for after the commit is pushed onto `afterCommit`.
 */
export async function deliverWithRetries(
  handler: Handler,
  messages: StageMessage[],
  ctx: DeliverContext,
  afterCommit: AfterCommit[] = [],
): Promise<boolean> {
  if (messages.length === 0) return true;
  for (let attempt = 1; ; attempt++) {
    try {
      const after = await handler(messages);
      if (after) afterCommit.push(after);
      return true;
    } catch (error) {
      if (!ctx.isRunning()) return false;
      const text = error instanceof Error ? error.message : String(error);
      if (ctx.isTransportError(error)) {
        ctx.logger.warn(`${ctx.topic}: Kafka unavailable, retrying (${text})`);
        await ctx.clock.sleep(Math.min(maxTransportBackoffMs, ctx.retry.backoffMs * attempt));
        continue;
      }
      if (attempt <= ctx.retry.maxRetries) {
        await ctx.clock.sleep(ctx.retry.backoffMs * 2 ** (attempt - 1));
        continue;
      }
      if (messages.length > 1) {
        for (const m of messages)
          if (!(await deliverWithRetries(handler, [m], ctx, afterCommit))) return false;
        return true;
      }
      const message = messages[0]!;
      // The error's own reason when it names one (e.g. a refused publish), else a bad message.
      const own = (error as { reason?: unknown } | null)?.reason;
      await ctx.publishDeadLetters([
        {
          videoId: message.videoId,
          source: typeof message.source === 'string' ? message.source : '',
          stage: ctx.stage,
          reason: isDeadLetterReason(own) ? own : 'InvalidMessage',
          attempts: attempt,
          error: `handler failed ${attempt} times: ${text}`,
          original: message,
        },
      ]);
      return true;
    }
  }
}
