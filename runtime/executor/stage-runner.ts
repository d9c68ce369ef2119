// One model stage: consumes its topic, (for a join) collects inputs by videoId, runs the stage's
// worker on each message with retries, and publishes the message with this stage's output added
// to every downstream stage's topic, or to the output topic when it is a sink. Failures become
// dead letters; the handler itself never throws for a bad item, so the topic keeps flowing. The
// handler resolves only after its outputs and dead letters are published (then the transport
// acknowledges the input: at-least-once). A stage whose model emits items fans out (fan-out.ts):
// one message per item; stages after it run once per item, and pass a video with no items on.
import type { DeadLetterReason } from '../../contract/dead-letter-reasons.ts';
import {
  DEFAULT_MAX_OUTPUT_BYTES,
  emitsItems,
  type RuntimeStage,
  topicOf,
} from '../../contract/runtime-config.ts';
import type { DeadLetter, Handler, StageMessage } from '../transport/transport.ts';
import {
  type ExecutorContext,
  holdsLostAt,
  publishAll,
  recordCompleted,
  releaseFrames,
  sendDeadLetters,
} from './context.ts';
import { deadLetterOf, reasonOf } from './dead-letters.ts';
import { fanOutHoldDelta, fanOutMessages, isEmptyAnnouncement, isItemsOutput } from './fan-out.ts';
import type { JoinBuffer } from './join.ts';
import { invalidMessage } from './message.ts';
import type { StageWorker } from './ports.ts';
import { attempt } from './retry.ts';

interface Outcome {
  outputs: StageMessage[];
  letters: DeadLetter[];
  /** Holds this stage drops on the outputs' frames once they are out (its own read). */
  release?: { ref: string | undefined; count: number };
  /** One output for the whole video (no fan-out, no item): its downstream holds are known. */
  plain?: boolean;
}

export class StageRunner {
  private readonly ctx: ExecutorContext;
  private stage: RuntimeStage;
  private readonly worker: StageWorker;
  private readonly join: JoinBuffer | undefined;
  private readonly holdsOnDeath: number;
  private readonly ownHolds: number;
  private readonly fansOut: boolean;
  private readonly topics: string[];

  constructor(ctx: ExecutorContext, stage: RuntimeStage, worker: StageWorker, join?: JoinBuffer) {
    this.ctx = ctx;
    this.stage = stage;
    this.worker = worker;
    this.join = join;
    this.holdsOnDeath = holdsLostAt(ctx.config, stage.name);
    this.ownHolds = stage.input.source === 'frames' ? 1 : 0;
    this.fansOut = emitsItems(stage);
    const { config } = ctx;
    this.topics = stage.downstream.length
      ? stage.downstream.flatMap((name) => topicOf(config, name) ?? [])
      : [config.topics.output];
  }

  get name(): string {
    return this.stage.name;
  }

  /** A re-plan's budgets and deadlines for this stage (same inputs and downstream stages). */
  retune(stage: RuntimeStage): void {
    this.stage = stage;
  }

  readonly handler: Handler = async (messages) => {
    const outcomes = await Promise.all(messages.map((m) => this.processOne(m)));
    const outputs = outcomes.flatMap((o) => o.outputs);
    const refused = await publishAll(this.ctx, this.topics, outputs);
    const letters = outcomes.flatMap((o) => o.letters);
    const lost = new Set<string>();
    for (const outcome of outcomes) {
      for (const output of outcome.outputs) {
        const r = refused.get(output.videoId);
        if (!r || lost.has(output.videoId)) continue;
        lost.add(output.videoId);
        // Refused by every topic: the video ends here, as if this stage had failed it. Refused by
        // some only: the stages that got it go on (and release their frames); the TTL covers the
        // rest. Refusals name the video, not the item: a fan-out's (or an item's) holds are left
        // to the TTL too, and the gather dead-letters the video's missing items when they time out.
        letters.push(deadLetterOf(output, this.stage.name, r.reason, new Error(r.error), 1));
        if (r.topics === this.topics.length && outcome.plain)
          await releaseFrames(this.ctx, output.frameRef, this.holdsOnDeath - this.ownHolds);
      }
    }
    await sendDeadLetters(this.ctx, letters);
    if (this.stage.downstream.length === 0)
      recordCompleted(
        this.ctx,
        outputs.filter((o) => !refused.has(o.videoId)),
      );
    // Frames are released only once the inputs are committed (after the outputs are out): a
    // redelivery of an uncommitted input still finds them.
    const releases = outcomes.flatMap((o) => (o.release && o.release.count > 0 ? [o.release] : []));
    if (releases.length === 0) return undefined;
    return async () => {
      for (const r of releases) await releaseFrames(this.ctx, r.ref, r.count);
    };
  };

  /** Join timeouts: the videos that waited too long become dead letters. */
  async expireJoins(nowMs: number): Promise<void> {
    if (!this.join || this.stage.joinTimeoutMs === undefined) return;
    const expired = this.join.expire(nowMs, this.stage.joinTimeoutMs);
    await this.joinLetters(expired, `no input from %s within ${this.stage.joinTimeoutMs} ms`);
  }

  private async joinLetters(messages: StageMessage[], why: string): Promise<void> {
    const letters = messages.map((m) => {
      const missing = this.join?.missing(m).join(', ') ?? '';
      return deadLetterOf(m, this.stage.name, 'JoinTimeout', new Error(why.replace('%s', missing)), 1);
    });
    await sendDeadLetters(this.ctx, letters);
    for (const m of messages) await releaseFrames(this.ctx, m.frameRef, this.holdsOnDeath);
  }

  private async processOne(value: StageMessage): Promise<Outcome> {
    const problem = invalidMessage(value);
    if (problem) {
      const error = new Error(`invalid message on ${this.stage.topic}: ${problem}`);
      return { outputs: [], letters: [deadLetterOf(value, this.stage.name, 'InvalidMessage', error, 1)] };
    }
    // A video with no items: nothing to run here, the announcement goes on to the gather.
    if (isEmptyAnnouncement(value)) return { outputs: [value], letters: [] };
    let message = value;
    if (this.join) {
      const added = this.join.add(message, this.ctx.clock.nowMs());
      if (added.evicted.length > 0) {
        await this.joinLetters(added.evicted, `join state full; still missing %s`);
      }
      if (!added.complete) return { outputs: [], letters: [] };
      message = added.complete;
    }
    const deadlineMs = message.ingestedAtMs + this.stage.deadlineOffsetMs;
    if (this.ctx.config.latency.latePolicy === 'deadLetter' && this.ctx.clock.nowMs() > deadlineMs) {
      const error = new Error(
        `deadline ${new Date(deadlineMs).toISOString()} passed before ${this.stage.name}`,
      );
      return this.died(message, 'DeadlineExceeded', error, 1);
    }
    const policy = {
      maxRetries: this.ctx.config.deadLetter.maxRetries,
      backoffMs: this.ctx.config.deadLetter.retryBackoffMs,
    };
    const result = await attempt(
      () => this.worker.process(message, deadlineMs),
      policy,
      this.ctx.clock.sleep,
    );
    if (!result.ok)
      return this.died(message, reasonOf(result.error, 'InferenceFailed'), result.error, result.attempts);
    const release = { ref: message.frameRef, count: this.ownHolds };
    if (this.fansOut && isItemsOutput(result.value)) {
      const fanned = fanOutMessages(message, this.stage.name, result.value);
      const tooLarge = this.tooLarge(fanned);
      if (tooLarge) return this.died(message, 'OutputTooLarge', tooLarge, 1);
      return this.fanOut(message, fanned, result.value.items.length, release);
    }
    const output = { ...message, outputs: { ...message.outputs, [this.stage.name]: result.value } };
    const tooLarge = this.tooLarge([output]);
    if (tooLarge) return this.died(message, 'OutputTooLarge', tooLarge, 1);
    // An item's output is one of several messages for its video: not plain (see the handler).
    return { outputs: [output], letters: [], release, plain: message.item === undefined };
  }

  /** The error for the first output over limits.maxOutputBytes, if one is. */
  private tooLarge(outputs: StageMessage[]): Error | undefined {
    const limit = this.ctx.config.limits.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    for (const output of outputs) {
      const bytes = Buffer.byteLength(JSON.stringify(output));
      if (bytes > limit)
        return new Error(
          `stage '${this.stage.name}' output makes a ${bytes}-byte message, over the ${limit}-byte limit (limits.maxOutputBytes)`,
        );
    }
    return undefined;
  }

  /**
   * One message per item. The frame-reading stages downstream each held the video's frames once;
   * they now read them once per item, so the holds are adjusted before anything is published.
   */
  private async fanOut(
    message: StageMessage,
    outputs: StageMessage[],
    items: number,
    release: NonNullable<Outcome['release']>,
  ): Promise<Outcome> {
    this.ctx.metrics?.itemsPerInput?.observe(
      { pipeline: this.ctx.config.pipeline.name, stage: this.stage.name },
      items,
    );
    const delta = fanOutHoldDelta(items, this.holdsOnDeath - this.ownHolds);
    if (delta > 0 && message.frameRef) await this.ctx.frames.retain(message.frameRef, delta);
    return { outputs, letters: [], release: { ...release, count: release.count - Math.min(0, delta) } };
  }

  private async died(
    message: StageMessage,
    reason: DeadLetterReason,
    error: unknown,
    attempts: number,
  ): Promise<Outcome> {
    await releaseFrames(this.ctx, message.frameRef, this.holdsOnDeath);
    return { outputs: [], letters: [deadLetterOf(message, this.stage.name, reason, error, attempts)] };
  }
}
