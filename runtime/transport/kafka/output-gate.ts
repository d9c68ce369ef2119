// Exactly one result per video on the output topic (see docs/kafka.md "Exactly once at the
// output"). Delivery is at-least-once, so a sink stage may produce a video's result twice (a
// crash between producing and committing, a rebalance). Before producing, the gate drops videos
// whose result is already on the output topic: it remembers the videoIds it produced or read
// (bounded, most recent kept), and a reader tails the output topic so it also knows what other
// processes produced. After every rebalance of this process (and at start) the gate first
// catches up to the output topic's end offsets, so a partition taken over from a crashed
// backend sees that backend's last results before producing its own.
// A result is a duplicate when its video's source and ingest time match the result already out
// (a redelivery of the same video); a result for an id already used by ANOTHER video (another
// source, or the same source ingested again) is a conflict: it is not dropped silently, the
// transport dead-letters it as DuplicateVideoId, so a caller who chose an id cannot make someone
// else's result vanish.
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { foreverRetry, METADATA_MAX_AGE_MS } from '../../../kafka/connection.ts';
import type { Logger } from '../../logger.ts';
import type { StageMessage } from '../transport.ts';

export interface OutputGateOptions {
  kafka: Kafka;
  topic: string;
  clientId: string;
  /** Consumer groups of the pipeline start with this (its ACLs allow them): the reader's group too. */
  groupPrefix?: string;
  /** VideoIds remembered (bounded memory). */
  recentIds: number;
  /** Messages per partition re-read at start. */
  tailPerPartition: number;
  /** Longest wait to catch up with the output topic before producing anyway, ms. */
  syncTimeoutMs: number;
  logger: Logger;
}

/** Which video a result is for: its source and when it was ingested (same across redeliveries). */
export function videoIdentity(message: { source?: unknown; ingestedAtMs?: unknown }): string {
  return `${String(message.source ?? '')}\u0000${String(message.ingestedAtMs ?? '')}`;
}

/** A bounded map that forgets its oldest entries (a Map keeps insertion order). */
class RecentIds {
  private readonly ids = new Map<string, string>();
  private readonly capacity: number;
  constructor(capacity: number) {
    this.capacity = capacity;
  }
  get(id: string): string | undefined {
    return this.ids.get(id);
  }
  add(id: string, identity: string): void {
    this.ids.delete(id);
    this.ids.set(id, identity);
    while (this.ids.size > this.capacity) this.ids.delete(this.ids.keys().next().value as string);
  }
}

function identityOfRecord(value: Buffer | null): string {
  try {
    return videoIdentity(JSON.parse(value?.toString() ?? '{}') as Record<string, unknown>);
  } catch {
    return videoIdentity({});
  }
}

export interface Admitted {
  /** Results to produce, each video once. */
  admitted: StageMessage[];
  /** Results for an id another video's result already holds. */
  conflicts: StageMessage[];
}

export class OutputGate {
  readonly topic: string;
  private readonly options: OutputGateOptions;
  private readonly seen: RecentIds;
  private readonly producing = new Map<string, string>();
  private readonly reader: Consumer;
  private readonly admin: Admin;
  /** Next offset the reader will read, per partition (known after it joined and seeked). */
  private readonly position = new Map<number, number>();
  private syncNeeded = true;
  dropped = 0;
  conflicts = 0;

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
      groupId: `${options.groupPrefix ?? options.clientId}.output-reader.${randomUUID()}`,
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
        for (const m of batch.messages) if (m.key) this.seen.add(m.key.toString(), identityOfRecord(m.value));
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

  /**
   * The messages whose video has no result yet, each once (reserved until `settle`), and those
   * whose id already carries another video's result.
   */
  async admit(messages: StageMessage[]): Promise<Admitted> {
    if (this.syncNeeded) {
      this.syncNeeded = false;
      await this.sync();
    }
    const result: Admitted = { admitted: [], conflicts: [] };
    for (const m of messages) {
      const identity = videoIdentity(m);
      const holder = this.producing.get(m.videoId) ?? this.seen.get(m.videoId);
      if (holder === undefined) {
        this.producing.set(m.videoId, identity);
        result.admitted.push(m);
      } else if (holder === identity) {
        this.dropped++;
      } else {
        this.conflicts++;
        result.conflicts.push(m);
      }
    }
    return result;
  }

  settle(messages: StageMessage[], produced: boolean): void {
    for (const m of messages) {
      this.producing.delete(m.videoId);
      if (produced) this.seen.add(m.videoId, videoIdentity(m));
    }
  }

  async close(): Promise<void> {
    const report = (what: string) => (e: Error) =>
      this.options.logger.warn(`output gate ${what}: ${e.message}`);
    await this.reader.disconnect().catch(report('reader'));
    await this.admin.disconnect().catch(report('admin'));
  }
}
