// A subscription's offset commits: one request at a time, in order, each carrying every
// partition's highest offset that is safe to commit (PartitionOffsets.toCommit: processed, and
// below any input still held in a join). What a handler left for after its chunk's commit (a
// frame hold to drop) runs once the commit that covers the chunk succeeded; a failed commit
// (a rebalance took the partition, or Kafka is down) keeps them for the next one, which carries
// the same offsets: not committing is safe, the records are delivered again.
import type { Logger } from '../../logger.ts';
import type { AfterCommit } from '../transport.ts';
import type { PartitionOffsets } from './partition-offsets.ts';

export interface OffsetCommitsDeps {
  topic: string;
  logger: Logger;
  /** The consumer's partitions this generation, by partition number. */
  partitions(): ReadonlyMap<number, PartitionOffsets>;
  commitOffsets(offsets: { topic: string; partition: number; offset: string }[]): Promise<void>;
  onCommitted(): void;
}

export class OffsetCommits {
  private chain: Promise<void> = Promise.resolve();
  private afterCommit: AfterCommit[] = [];
  private readonly deps: OffsetCommitsDeps;

  constructor(deps: OffsetCommitsDeps) {
    this.deps = deps;
  }

  /** Steps to run once the chunks handled so far are committed. */
  defer(steps: readonly AfterCommit[]): void {
    this.afterCommit.push(...steps);
  }

  /**
   * A new generation: its chunks were not committed and will be delivered again, so their steps
   * are dropped (the redelivery leaves its own; the frame store's TTL covers the rest).
   */
  forget(): void {
    this.afterCommit = [];
  }

  /** Commits what is committable now, after the commits before it. */
  schedule(): void {
    this.chain = this.chain.then(() => this.commit());
  }

  /** Resolves when the commits scheduled so far are done (or failed). */
  settled(): Promise<void> {
    return this.chain;
  }

  /** Commits what was handled so far; resolves when that is done (or failed). */
  flush(): Promise<void> {
    this.schedule();
    return this.chain;
  }

  private async commit(): Promise<void> {
    const { topic } = this.deps;
    const wanted: { topic: string; partition: number; offset: string }[] = [];
    const marks: [PartitionOffsets, number][] = [];
    for (const [partition, offsets] of this.deps.partitions()) {
      const offset = offsets.toCommit();
      if (offset === undefined) continue;
      wanted.push({ topic, partition, offset: String(offset) });
      marks.push([offsets, offset]);
    }
    // Handlers done before this commit: theirs are among the offsets it commits (a held input's
    // handler leaves nothing: a join or gather reads no frames).
    const after = this.afterCommit;
    this.afterCommit = [];
    if (wanted.length === 0) {
      await this.runAfter(after);
      return;
    }
    try {
      await this.deps.commitOffsets(wanted);
      for (const [offsets, offset] of marks) offsets.committedAt(offset);
      this.deps.onCommitted();
      await this.runAfter(after);
    } catch (error) {
      this.deps.logger.warn(`${topic}: commit failed: ${(error as Error).message}`);
      this.afterCommit.unshift(...after);
    }
  }

  private async runAfter(after: readonly AfterCommit[]): Promise<void> {
    for (const step of after) {
      await step().catch((e: Error) =>
        this.deps.logger.warn(`${this.deps.topic}: after commit: ${e.message}`),
      );
    }
  }
}
