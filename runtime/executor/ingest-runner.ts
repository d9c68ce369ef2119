// The source end of the pipeline: consumes the source topic ({videoId, source: uri}), ingests
// each video once (download, decode, store frames), takes one frame hold per frame-reading stage,
// and publishes the frame reference to every stage fed by `source`. A video that cannot be
// ingested becomes a dead letter (stage `ingest`) after its retries; the others go on.
import { entryStages, frameStages } from '../../contract/runtime-config.ts';
import type { DeadLetter, Handler, StageMessage } from '../transport/transport.ts';
import { type ExecutorContext, publishAll, type Refused, releaseFrames, sendDeadLetters } from './context.ts';
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
    // Per topic, so a failure that is not a refusal (Kafka away: retried from the offset) can tell
    // whether some topic got the message: then its frames stay for that stage (the TTL sweep is the
    // safety net); else they go now, so a redelivery that ingests the video again leaves no orphan.
    const sent = await Promise.allSettled(topics.map((t) => publishAll(ctx, [t], outputs)));
    const failed = sent.find((r) => r.status === 'rejected');
    if (failed) {
      if (sent.every((r) => r.status === 'rejected'))
        for (const o of outputs) if (o.frameRef) await releaseFrames(ctx, o.frameRef, holds);
      throw failed.reason;
    }
    const refused: Refused = new Map();
    for (const r of sent) {
      if (r.status !== 'fulfilled') continue;
      for (const [videoId, one] of r.value) {
        const seen = refused.get(videoId);
        refused.set(videoId, { ...one, topics: (seen?.topics ?? 0) + one.topics });
      }
    }
    const letters = outcomes.flatMap((o) => (o.letter ? [o.letter] : []));
    for (const output of outputs) {
      const r = refused.get(output.videoId);
      if (!r) continue;
      letters.push(deadLetterOf(output, INGEST_STAGE, r.reason, new Error(r.error), 1));
      // Refused everywhere: no stage will read these frames.
      if (r.topics === topics.length) await releaseFrames(ctx, output.frameRef, holds);
    }
    await sendDeadLetters(ctx, letters);
  };
}
