// One gather stage (fan-in): consumes its topic of item messages, collects each video's items
// (gather.ts) and publishes one result per video — possibly of zero items — to the output topic.
// It runs no model. Like a join, its inputs wait uncommitted until their video's result is out
// (the transport holds its topic: a restart rebuilds the state from the committed offsets), and
// a video whose items do not all arrive within the timeout, or that is pushed out of a full state,
// is a JoinTimeout dead letter. The handler resolves after its results and dead letters are out.
import { emitsItems, type RuntimeConfig, type RuntimeGather } from '../../contract/runtime-config.ts';
import type { DeadLetter, Handler, StageMessage } from '../transport/transport.ts';
import { type ExecutorContext, publishAll, recordCompleted, sendDeadLetters } from './context.ts';
import { deadLetterOf } from './dead-letters.ts';
import { GatherBuffer, missingText, type Unfinished } from './gather.ts';
import { gatheredResult, type MergeOptions } from './gather-merge.ts';
import { invalidMessage } from './message.ts';

/** The fan-out stage and every stage between it and the gather: their outputs are per item. */
export function itemStagesOf(config: RuntimeConfig, input: string): string[] {
  const byName = new Map(config.stages.map((s) => [s.name, s]));
  const found: string[] = [];
  const visit = (name: string) => {
    const stage = byName.get(name);
    if (!stage || found.includes(name)) return;
    found.push(name);
    if (!emitsItems(stage)) for (const upstream of stage.inputs) visit(upstream);
  };
  visit(input);
  return found;
}

export class GatherRunner {
  private readonly ctx: ExecutorContext;
  private readonly gather: RuntimeGather;
  private readonly buffer: GatherBuffer;
  private readonly merge: MergeOptions;

  constructor(ctx: ExecutorContext, gather: RuntimeGather) {
    this.ctx = ctx;
    this.gather = gather;
    this.buffer = new GatherBuffer(ctx.config.limits.maxPendingJoins);
    this.merge = {
      merge: gather.merge,
      itemStages: itemStagesOf(ctx.config, gather.input),
      textStage: gather.input,
      minScore: gather.minScore ?? 0,
    };
  }

  readonly handler: Handler = async (messages) => {
    const results: StageMessage[] = [];
    /** Results published for the first time (a repeat's video was counted already). */
    const fresh: StageMessage[] = [];
    const letters: DeadLetter[] = [];
    const nowMs = this.ctx.clock.nowMs();
    for (const m of messages) {
      const problem =
        invalidMessage(m) ?? (m.itemCount === undefined ? 'no itemCount (not an item message)' : undefined);
      if (problem) {
        const error = new Error(`invalid message on ${this.gather.topic}: ${problem}`);
        letters.push(deadLetterOf(m, this.gather.name, 'InvalidMessage', error, 1));
        continue;
      }
      const added = this.buffer.add(m, nowMs);
      letters.push(...this.timeouts(added.evicted, 'gather state full; still missing %s'));
      if (added.conflict) {
        this.ctx.logger.warn(
          `${this.gather.name}: ${m.videoId} item announces ${m.itemCount} items, its first said ${added.conflict.expected}: ignored`,
        );
      }
      // A late duplicate gets its result again: the Kafka output gate drops it, which lets the
      // duplicate's offset go; in-process nothing redelivers.
      if (added.repeat) results.push(added.repeat);
      if (added.complete) {
        const result = gatheredResult(
          added.complete.first,
          added.complete.items,
          this.gather.name,
          this.merge,
        );
        this.buffer.completed(result);
        results.push(result);
        fresh.push(result);
      }
    }
    // A result the output topic refuses for good (e.g. too large) is the video's dead letter.
    const refused = await publishAll(this.ctx, [this.ctx.config.topics.output], results);
    for (const result of results) {
      const r = refused.get(result.videoId);
      if (r) letters.push(deadLetterOf(result, this.gather.name, r.reason, new Error(r.error), 1));
    }
    await sendDeadLetters(this.ctx, letters);
    recordCompleted(
      this.ctx,
      fresh.filter((r) => !refused.has(r.videoId)),
    );
  };

  /** Gathers that waited too long become JoinTimeout dead letters. */
  async expire(nowMs: number): Promise<void> {
    const expired = this.buffer.expire(nowMs, this.gather.timeoutMs);
    await sendDeadLetters(
      this.ctx,
      this.timeouts(expired, `still missing %s after ${this.gather.timeoutMs} ms`),
    );
  }

  private timeouts(unfinished: Unfinished[], why: string): DeadLetter[] {
    return unfinished.map((u) =>
      deadLetterOf(u.first, this.gather.name, 'JoinTimeout', new Error(why.replace('%s', missingText(u))), 1),
    );
  }
}
