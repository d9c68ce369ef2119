// One model stage: consumes its topic, (for a join) collects inputs by videoId, runs the stage's
// worker on each message with retries, and publishes the message with this stage's output added
// to every downstream stage's topic, or to the output topic when it is a sink. Failures become
// dead letters; the handler itself never throws for a bad item, so the topic keeps flowing. The
// handler resolves only after its outputs and dead letters are published (then the transport
// acknowledges the input: at-least-once).
import type { RuntimeStage } from '../../contract/runtime-config.ts';
import type { DeadLetter, Handler, StageMessage } from '../transport/transport.ts';
import { type ExecutorContext, holdsLostAt, releaseFrames, sendDeadLetters } from './context.ts';
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
    if (outputs.length > 0) await Promise.all(topics.map((t) => this.ctx.transport.publish(t, outputs)));
    await sendDeadLetters(
      this.ctx,
      outcomes.flatMap((o) => o.letters),
    );
    // Frames are released only after the outputs are out: a redelivery still finds them.
    for (const output of outputs) await releaseFrames(this.ctx, output.frameRef, this.ownHolds);
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
    return {
      output: { ...message, outputs: { ...message.outputs, [this.stage.name]: result.value } },
      letters: [],
    };
  }

  private async died(
    message: StageMessage,
    reason: string,
    error: unknown,
    attempts: number,
  ): Promise<Outcome> {
    await releaseFrames(this.ctx, message.frameRef, this.holdsOnDeath);
    return { letters: [deadLetterOf(message, this.stage.name, reason, error, attempts)] };
  }
}
