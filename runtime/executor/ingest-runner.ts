// The source end of the pipeline: consumes the source topic ({videoId, source: uri}), ingests
// each video once (download, decode, store frames), takes one frame hold per frame-reading stage,
// and publishes the frame reference to every stage fed by `source`. A video that cannot be
// ingested becomes a dead letter (stage `ingest`) after its retries; the others go on.
import { entryStages, frameStages } from '../../contract/runtime-config.ts';
import type { DeadLetter, Handler, StageMessage } from '../transport/transport.ts';
import { type ExecutorContext, publishAll, releaseFrames, sendDeadLetters } from './context.ts';
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
    return { output: { ...message, frameRef, meta, outputs: {} } };
  };

  return async (messages) => {
    const outcomes = await Promise.all(messages.map(ingestOne));
    const outputs = outcomes.flatMap((o) => (o.output ? [o.output] : []));
    const refused = await publishAll(ctx, topics, outputs);
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
