// The source end of the pipeline: consumes the source topic ({videoId, source: uri}), ingests
// each video once (download, decode, store frames), takes one frame hold per frame-reading stage,
// and publishes the frame reference to every stage fed by `source`. A video that cannot be
// ingested becomes a dead letter (stage `ingest`) after its retries; the others go on.
import { entryStages, frameStages } from '../../contract/runtime-config.ts';
import type { DeadLetter, Handler, StageMessage } from '../transport/transport.ts';
import { type ExecutorContext, releaseFrames, sendDeadLetters } from './context.ts';
import { deadLetterOf, reasonOf } from './dead-letters.ts';
import { invalidMessage } from './message.ts';
import type { VideoIngestor } from './ports.ts';
import { attempt } from './retry.ts';

export const INGEST_STAGE = 'ingest';

interface Outcome {
  output?: StageMessage;
  letter?: DeadLetter;
}

export function ingestHandler(ctx: ExecutorContext, ingestor: VideoIngestor): Handler {
  const holds = frameStages(ctx.config).length;
  const topics = entryStages(ctx.config).map((s) => s.topic);
  const policy = {
    maxRetries: ctx.config.deadLetter.maxRetries,
    backoffMs: ctx.config.deadLetter.retryBackoffMs,
  };

  const ingestOne = async (message: StageMessage): Promise<Outcome> => {
    const problem = invalidMessage(message);
    if (problem) {
      const error = new Error(`invalid message on ${ctx.config.topics.source}: ${problem}`);
      return { letter: deadLetterOf(message, INGEST_STAGE, 'InvalidMessage', error, 1) };
    }
    const request = { videoId: message.videoId, uri: message.source };
    const result = await attempt(() => ingestor.ingest(request), policy, ctx.clock.sleep);
    if (!result.ok) {
      const reason = reasonOf(result.error, 'DecodeFailed');
      return { letter: deadLetterOf(message, INGEST_STAGE, reason, result.error, result.attempts) };
    }
    const { frameRef, meta } = result.value;
    // One hold per stage that will read the frames; then the writer's own hold goes.
    if (holds > 0) await ctx.frames.retain(frameRef, holds);
    await releaseFrames(ctx, frameRef, 1);
    // Only the contract's fields go onward, whatever else the source record carried.
    const { videoId, source, ingestedAtMs } = message;
    return { output: { videoId, source, ingestedAtMs, frameRef, meta, outputs: {} } };
  };

  return async (messages) => {
    const outcomes = await Promise.all(messages.map(ingestOne));
    const outputs = outcomes.flatMap((o) => (o.output ? [o.output] : []));
    if (outputs.length > 0) {
      const sent = await Promise.allSettled(topics.map((t) => ctx.transport.publish(t, outputs)));
      const failed = sent.find((s) => s.status === 'rejected');
      if (failed) {
        // Nothing refers to these frames unless some topic got the message: then they stay for
        // its stage (the TTL sweep is the safety net); else they go now, so a redelivery that
        // ingests the video again leaves no orphan behind.
        if (sent.every((s) => s.status === 'rejected'))
          for (const o of outputs) if (o.frameRef) await releaseFrames(ctx, o.frameRef, holds);
        throw failed.reason;
      }
    }
    await sendDeadLetters(
      ctx,
      outcomes.flatMap((o) => (o.letter ? [o.letter] : [])),
    );
  };
}
