// Exactly one result per video on the output topic (see docs/kafka.md "Exactly once at the
// output"). Delivery is at-least-once, so a sink stage may produce a video's result twice (a
// crash between producing and committing, a rebalance). Before producing, the gate drops videos
// whose result is already on the output topic: it remembers the videoIds it produced or read
// (bounded, most recent kept), and a reader tails the output topic so it also knows what other
// processes produced. After every rebalance of this process (and at start) the gate first
// catches up to the output topic's end offsets, so a partition taken over from a crashed
// backend sees that backend's last results before producing its own.
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { foreverRetry, METADATA_MAX_AGE_MS } from '../../../kafka/connection.ts';
import type { Logger } from '../../logger.ts';
import type { StageMessage } from '../transport.ts';

export interface OutputGateOptions {
  kafka: Kafka;
  topic: string;
  clientId: string;
  /** VideoIds remembered (bounded memory). */
  recentIds: number;
  /** Messages per partition re-read at start. */
  tailPerPartition: number;
  /** Longest wait to catch up with the output topic before producing anyway, ms. */
  syncTimeoutMs: number;
  logger: Logger;
}

/** A bounded set that forgets its oldest entries (a Map keeps insertion order). */
class RecentIds {
  private readonly ids = new Map<string, true>();
  private readonly capacity: number;
  constructor(capacity: number) {
    this.capacity = capacity;
  }
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    this.ids.delete(id);
    this.ids.set(id, true);
    while (this.ids.size > this.capacity) this.ids.delete(this.ids.keys().next().value as string);
  }
}

export class OutputGate {
  readonly topic: string;
  private readonly options: OutputGateOptions;
  private readonly seen: RecentIds;
  private readonly producing = new Set<string>();
  private readonly reader: Consumer;
  private readonly admin: Admin;
  /** Next offset the reader will read, per partition (known after it joined and seeked). */
  private readonly position = new Map<number, number>();
  private syncNeeded = true;
  dropped = 0;

  constructor(options: OutputGateOptions) {
    this.options = options;
    this.topic = options.topic;
    this.seen = new RecentIds(options.recentIds);
    this.admin = options.kafka.admin();
    // A group of its own, never committed: every gate reads the whole tail it needs.
    this.reader = options.kafka.consumer({
      retry: foreverRetry,
      // Partitions the operator adds to the output topic are read within this, not in 5 minutes.
      metadataMaxAge: METADATA_MAX_AGE_MS,
      groupId: `${options.clientId}.output-reader.${randomUUID()}`,
    });
  }

  async start(): Promise<void> {
    await this.admin.connect();
    await this.reader.connect();
    await this.reader.subscribe({ topic: this.topic, fromBeginning: true });
    this.reader.on(this.reader.events.GROUP_JOIN, () => {
      this.seekToTail().catch((e: Error) => this.options.logger.warn(`output reader: ${e.message}`));
    });
    await this.reader.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) if (m.key) this.seen.add(m.key.toString());
        const last = batch.messages[batch.messages.length - 1];
        if (last) this.position.set(batch.partition, Number(last.offset) + 1);
      },
    });
  }

  private async seekToTail(): Promise<void> {
    // From the beginning, unless the partition holds more than the tail worth re-reading.
    for (const p of await this.admin.fetchTopicOffsets(this.topic)) {
      const from = Math.max(Number(p.low), Number(p.high) - this.options.tailPerPartition);
      if (!this.position.has(p.partition)) this.position.set(p.partition, Number(p.low));
      if (from > Number(p.low)) {
        this.position.set(p.partition, from);
        this.reader.seek({ topic: this.topic, partition: p.partition, offset: String(from) });
      }
    }
  }

  /** Call after a rebalance: the next admit first catches up with the output topic. */
  rebalanced(): void {
    this.syncNeeded = true;
  }

  private async sync(): Promise<void> {
    const deadline = Date.now() + this.options.syncTimeoutMs;
    const ends = await this.admin.fetchTopicOffsets(this.topic);
    for (;;) {
      // A partition the reader has not reached yet is behind unless it is empty.
      const behind = ends.filter((e) => (this.position.get(e.partition) ?? Number(e.low)) < Number(e.high));
      if (behind.length === 0) return;
      if (Date.now() > deadline) {
        this.options.logger.warn(`output gate: not caught up with ${this.topic} in time; producing anyway`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The messages whose video has no result yet, each once; they are reserved until `settle`. */
  async admit(messages: StageMessage[]): Promise<StageMessage[]> {
    if (this.syncNeeded) {
      this.syncNeeded = false;
      await this.sync();
    }
    const admitted: StageMessage[] = [];
    for (const m of messages) {
      if (this.seen.has(m.videoId) || this.producing.has(m.videoId)) {
        this.dropped++;
        continue;
      }
      this.producing.add(m.videoId);
      admitted.push(m);
    }
    return admitted;
  }

  settle(messages: StageMessage[], produced: boolean): void {
    for (const m of messages) {
      this.producing.delete(m.videoId);
      if (produced) this.seen.add(m.videoId);
    }
  }

  async close(): Promise<void> {
    const report = (what: string) => (e: Error) =>
      this.options.logger.warn(`output gate ${what}: ${e.message}`);
    await this.reader.disconnect().catch(report('reader'));
    await this.admin.disconnect().catch(report('admin'));
  }
}
