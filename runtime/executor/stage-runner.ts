// One model stage: consumes its topic, (for a join) collects inputs by videoId, runs the stage's
// worker on each message with retries, and publishes the message with this stage's output added
// to every downstream stage's topic, or to the output topic when it is a sink. Failures become
// dead letters; the handler itself never throws for a bad item, so the topic keeps flowing. The
// handler resolves only after its outputs and dead letters are published (then the transport
// acknowledges the input: at-least-once).
import type { DeadLetterReason } from '../../contract/dead-letter-reasons.ts';
import { DEFAULT_MAX_OUTPUT_BYTES, type RuntimeStage } from '../../contract/runtime-config.ts';
import type { DeadLetter, Handler, StageMessage } from '../transport/transport.ts';
import { type ExecutorContext, holdsLostAt, publishAll, releaseFrames, sendDeadLetters } from './context.ts';
import { deadLetterOf, reasonOf } from './dead-letters.ts';
import type { JoinBuffer } from './join.ts';
import { invalidMessage } from './message.ts';
import type { StageWorker } from './ports.ts';
import { attempt } from './retry.ts';

interface Outcome {
  output?: StageMessage;
  letters: DeadLetter[];
}

export class StageRunner {
  private readonly ctx: ExecutorContext;
  private stage: RuntimeStage;
  private readonly worker: StageWorker;
  private readonly join: JoinBuffer | undefined;
  private readonly holdsOnDeath: number;
  private readonly ownHolds: number;

  constructor(ctx: ExecutorContext, stage: RuntimeStage, worker: StageWorker, join?: JoinBuffer) {
    this.ctx = ctx;
    this.stage = stage;
    this.worker = worker;
    this.join = join;
    this.holdsOnDeath = holdsLostAt(ctx.config, stage.name);
    this.ownHolds = stage.input.source === 'frames' ? 1 : 0;
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
    const outputs = outcomes.flatMap((o) => (o.output ? [o.output] : []));
    const topics = this.stage.downstream.length
      ? this.ctx.config.stages.filter((s) => this.stage.downstream.includes(s.name)).map((s) => s.topic)
      : [this.ctx.config.topics.output];
    const refused = await publishAll(this.ctx, topics, outputs);
    const letters = outcomes.flatMap((o) => o.letters);
    for (const output of outputs) {
      const r = refused.get(output.videoId);
      if (!r) continue;
      // Refused by every topic: the video ends here, as if this stage had failed it. Refused by
      // some only: the stages that got it go on (and release their frames); the TTL covers the rest.
      letters.push(deadLetterOf(output, this.stage.name, r.reason, new Error(r.error), 1));
      if (r.topics === topics.length)
        await releaseFrames(this.ctx, output.frameRef, this.holdsOnDeath - this.ownHolds);
    }
    await sendDeadLetters(this.ctx, letters);
    // Frames are released only after the outputs are out: a redelivery still finds them.
    for (const output of outputs) await releaseFrames(this.ctx, output.frameRef, this.ownHolds);
    if (this.stage.downstream.length === 0) this.completed(outputs.filter((o) => !refused.has(o.videoId)));
  };

  /** End-to-end latency and SLO attainment of the videos whose results this sink published. */
  private completed(results: StageMessage[]): void {
    const metrics = this.ctx.metrics;
    if (!metrics?.videosCompletedTotal || results.length === 0) return;
    const { namespace, name } = this.ctx.config.pipeline;
    const pipeline = `${namespace}/${name}`;
    const nowMs = this.ctx.clock.nowMs();
    for (const r of results) {
      const latencyMs = Math.max(0, nowMs - r.ingestedAtMs);
      metrics.endToEndSeconds?.observe({ pipeline }, latencyMs / 1000);
      metrics.videosCompletedTotal.inc({
        pipeline,
        slo: latencyMs <= this.ctx.config.latency.sloMs ? 'met' : 'missed',
      });
    }
  }

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
      return { letters: [deadLetterOf(value, this.stage.name, 'InvalidMessage', error, 1)] };
    }
    let message = value;
    if (this.join) {
      const added = this.join.add(message, this.ctx.clock.nowMs());
      if (added.evicted.length > 0) {
        await this.joinLetters(added.evicted, `join state full; still missing %s`);
      }
      if (!added.complete) return { letters: [] };
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
    const output = { ...message, outputs: { ...message.outputs, [this.stage.name]: result.value } };
    const limit = this.ctx.config.limits.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const bytes = Buffer.byteLength(JSON.stringify(output));
    if (bytes > limit) {
      const error = new Error(
        `stage '${this.stage.name}' output makes a ${bytes}-byte message, over the ${limit}-byte limit (limits.maxOutputBytes)`,
      );
      return this.died(message, 'OutputTooLarge', error, 1);
    }
    return { output, letters: [] };
  }

  private async died(
    message: StageMessage,
    reason: DeadLetterReason,
    error: unknown,
    attempts: number,
  ): Promise<Outcome> {
    await releaseFrames(this.ctx, message.frameRef, this.holdsOnDeath);
    return { letters: [deadLetterOf(message, this.stage.name, reason, error, attempts)] };
  }
}
