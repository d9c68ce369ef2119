// One subscription = one kafkajs consumer in a group. Batches come through eachBatch and are cut
// into chunks of at most `maxBatch` for the handler; a chunk's offsets are resolved and committed
// only after the handler resolved, i.e. after its outputs were produced (at-least-once). Why
// eachBatch and not eachMessage: the handler batches, and committing per chunk costs one request.
// - Bad records (not JSON, no videoId) go straight to the dead letters; the partition goes on.
// - A chunk whose handler rejects is retried with backoff: forever while Kafka itself fails (the
//   broker is down: nothing is lost, it resumes), up to maxRetries otherwise, then message by
//   message, and a message that still fails becomes a dead letter.
// - Inputs parked in a join are held (see PartitionOffsets); held + in-flight messages are
//   bounded: at the bound the partition is paused, and resumed when enough was let go.
// - Heartbeats go on during a long chunk, so a slow stage never gets the consumer kicked out.
import { type Consumer, type EachBatchPayload, type Kafka, PartitionAssigners } from 'kafkajs';
import type { KafkaSettings } from '../../../contract/kafka-settings.ts';
import type { MemberDeclaration } from '../../../contract/member-metadata.ts';
import { foreverRetry, METADATA_MAX_AGE_MS } from '../../../kafka/connection.ts';
import type { Clock } from '../../clock.ts';
import type { Logger } from '../../logger.ts';
import type { AfterCommit, DeadLetter, Handler, StageMessage, Subscription } from '../transport.ts';
import { decodeRecords, stageOfGroup } from './codec.ts';
import { CrashRecovery } from './crash-recovery.ts';
import { deliverWithRetries } from './deliver.ts';
import { OffsetCommits } from './offset-commits.ts';
import { PartitionOffsets } from './partition-offsets.ts';
import { rateAssignor } from './rate-assignor.ts';

export interface SubscriptionEvents {
  rebalances: number;
  pauses: number;
  resumes: number;
  commits: number;
  /** Largest count of held + in-flight messages seen at once. */
  maxHeldOrInFlight: number;
}

export interface SubscriptionDeps {
  /** Hold inputs that did not leave during their handler call (a join stage's topic). */
  holdUntilForwarded: boolean;
  kafka: Kafka;
  settings: KafkaSettings;
  retry: { maxRetries: number; backoffMs: number };
  clock: Clock;
  logger: Logger;
  publishDeadLetters(letters: DeadLetter[]): Promise<void>;
  isTransportError(error: unknown): boolean;
  /** Called on every rebalance of this consumer (the output gate catches up). */
  onRebalance(): void;
  /**
   * What this consumer declares to its group (a backend pod's planned rate for the stage): with
   * it, partitions are split by planned rate (rate-assignor.ts); without, evenly.
   */
  declare?: () => MemberDeclaration | undefined;
  /**
   * A consumer that has neither fetched nor finished a chunk for this long is stalled (a handler
   * that never returns, a fetch loop that stopped without crashing): not healthy, so /readyz says
   * so. An idle consumer fetches at least every second and a busy one finishes chunks, so only a
   * stuck one goes this long. Default: max(120 s, 2 × the rebalance timeout), which a rebalance
   * never takes. A pause the process asked for (pause()) is no stall.
   */
  stalledAfterMs?: number;
}

export class KafkaSubscription implements Subscription {
  readonly topic: string;
  readonly events: SubscriptionEvents = {
    rebalances: 0,
    pauses: 0,
    resumes: 0,
    commits: 0,
    maxHeldOrInFlight: 0,
  };
  private readonly consumer: Consumer;
  private readonly deps: SubscriptionDeps;
  private readonly stage: string;
  private readonly handler: Handler;
  private maxBatch: number;
  /** The declaration sent at the last join (to know whether a re-plan needs a rejoin). */
  private declared: string | undefined;
  private partitions = new Map<number, PartitionOffsets>();
  /** Videos in a handler call now (count of calls), and those of them that left meanwhile. */
  private calling = new Map<string, number>();
  private departed = new Set<string>();
  /** Held videos (this generation) → their partition. */
  private heldAt = new Map<string, number>();
  private inFlight = 0;
  private readonly paused = new Set<number>();
  private userPaused = false;
  private readonly commits: OffsetCommits;
  private readonly recovery: CrashRecovery;
  private running = false;
  private crashed = false;
  /** Last time the consumer fetched or finished a chunk, on the deps clock. */
  private progressAtMs = 0;

  /** Consuming: started, not stopped, not crashed for good, and not stalled. */
  get healthy(): boolean {
    return this.running && !this.crashed && !this.stalled();
  }

  private stalled(): boolean {
    if (this.userPaused) return false;
    const after =
      this.deps.stalledAfterMs ?? Math.max(120_000, 2 * this.deps.settings.consumer.rebalanceTimeoutMs);
    return this.deps.clock.nowMs() - this.progressAtMs > after;
  }

  private progressed(): void {
    this.progressAtMs = this.deps.clock.nowMs();
  }

  constructor(topic: string, group: string, handler: Handler, maxBatch: number, deps: SubscriptionDeps) {
    this.topic = topic;
    this.stage = stageOfGroup(group);
    this.handler = handler;
    this.maxBatch = Math.max(1, maxBatch);
    this.deps = deps;
    this.commits = new OffsetCommits({
      topic,
      logger: deps.logger,
      partitions: () => this.partitions,
      commitOffsets: (offsets) => this.consumer.commitOffsets(offsets),
      onCommitted: () => {
        this.events.commits++;
      },
    });
    this.recovery = new CrashRecovery({
      topic,
      logger: deps.logger,
      wanted: () => this.running && this.crashed,
      restart: async () => {
        await this.consumer.connect();
        await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
        await this.run();
      },
      recovered: () => {
        this.crashed = false;
        this.progressed();
      },
    });
    const c = deps.settings.consumer;
    this.consumer = deps.kafka.consumer({
      groupId: group,
      sessionTimeout: c.sessionTimeoutMs,
      heartbeatInterval: c.heartbeatIntervalMs,
      rebalanceTimeout: c.rebalanceTimeoutMs,
      maxBytesPerPartition: c.maxBytesPerPartition,
      allowAutoTopicCreation: false,
      // An idle fetch waits at most this long: bounds how long a stop waits for it.
      maxWaitTimeInMs: 1000,
      // Grown partitions are found within this, not after Kafka's default 5 minutes.
      metadataMaxAge: METADATA_MAX_AGE_MS,
      retry: foreverRetry,
      // Round robin stays listed so a group with older members still agrees on a protocol.
      ...(deps.declare
        ? {
            partitionAssigners: [
              rateAssignor(() => {
                const d = deps.declare?.();
                this.declared = d ? JSON.stringify(d) : undefined;
                return d;
              }),
              PartitionAssigners.roundRobin,
            ],
          }
        : {}),
    });
    // A crash kafkajs does not restart from (an error it deems not retriable) leaves the consumer
    // stopped: the process is not ready until this subscription has restarted it (crash-recovery.ts).
    // Fetches (empty ones too, at least every maxWaitTimeInMs while idle) are progress.
    this.consumer.on(this.consumer.events.FETCH, () => this.progressed());
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      deps.logger.error(`${this.topic}: consumer crashed: ${event.payload.error.message}`);
      if (event.payload.restart) return;
      this.crashed = true;
      this.recovery.schedule();
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      // A new generation: whatever was not committed is delivered again from the committed
      // offsets (the join's state with it), so this generation starts with empty bookkeeping.
      this.events.rebalances++;
      deps.onRebalance();
      this.partitions = new Map();
      this.heldAt = new Map();
      // Chunks of the last generation were not committed and will be delivered again: their
      // holds stay for the redelivery (dropped then, or by the frame store's TTL).
      this.commits.forget();
      this.paused.clear();
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    this.progressed();
    this.running = true;
    await this.run();
  }

  private run(): Promise<void> {
    return this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.deps.settings.consumer.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /** A re-plan's chunk size (the stage's planned batch). */
  setMaxBatch(maxBatch: number): void {
    this.maxBatch = Math.max(1, maxBatch);
  }

  /**
   * Rejoins the group when what this consumer declares changed (a re-plan's rate or generation),
   * so the leader reassigns partitions by the new rates. The running chunk finishes and is
   * committed first; the group pauses for one rebalance. Returns whether it rejoined.
   */
  async redeclare(): Promise<boolean> {
    const now = this.deps.declare?.();
    if (!this.running || !now || JSON.stringify(now) === this.declared) return false;
    await this.consumer.stop();
    await this.commits.settled();
    if (!this.running) return false;
    await this.run();
    return true;
  }

  /** The transport saw `videoId` leave for `topic` (published or dead-lettered). */
  left(videoId: string, topic: string | undefined): void {
    if (topic === this.topic) return;
    if (this.calling.has(videoId)) this.departed.add(videoId);
    const partition = this.heldAt.get(videoId);
    if (partition === undefined) return;
    this.heldAt.delete(videoId);
    if (this.partitions.get(partition)?.release(videoId)) {
      this.commits.schedule();
      this.maybeResume();
    }
  }

  pause(): void {
    this.userPaused = true;
    this.consumer.pause([{ topic: this.topic }]);
  }

  resume(): void {
    this.userPaused = false;
    this.progressed();
    this.consumer.resume([{ topic: this.topic }]);
  }

  /** Resolves when the offsets of everything handled so far are committed (or failed to be). */
  committed(): Promise<void> {
    return this.commits.flush();
  }

  private closing: Promise<void> | undefined;

  /** A heartbeat refused while the group rebalances is routine; anything else is reported. */
  private heartbeatFailed(error: Error): void {
    if (/rebalanc/i.test(`${error.name} ${error.message}`)) return;
    this.deps.logger.warn(`${this.topic}: heartbeat: ${error.message}`);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.running = false;
      await this.consumer
        .stop()
        .catch((e: Error) => this.deps.logger.warn(`${this.topic}: stop: ${e.message}`));
      await this.commits.settled();
      await this.consumer.disconnect();
    })();
    return this.closing;
  }

  private held(): number {
    let total = 0;
    for (const p of this.partitions.values()) total += p.size;
    return total;
  }

  private offsetsOf(partition: number): PartitionOffsets {
    let offsets = this.partitions.get(partition);
    if (!offsets) {
      offsets = new PartitionOffsets();
      this.partitions.set(partition, offsets);
    }
    return offsets;
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const offsets = this.offsetsOf(batch.partition);
    const limit = this.deps.settings.consumer.maxInFlightMessages;
    const beat = setInterval(
      () => heartbeat().catch((e: Error) => this.heartbeatFailed(e)),
      this.deps.settings.consumer.heartbeatIntervalMs,
    );
    try {
      for (let i = 0; i < batch.messages.length; i += this.maxBatch) {
        if (!isRunning() || isStale() || !this.running) return;
        const records = batch.messages.slice(i, i + this.maxBatch);
        if (this.held() + this.inFlight + records.length > limit && this.inFlight + this.held() > 0) {
          // Local queues are full: stop fetching this partition instead of buffering; the
          // unprocessed rest of the batch is fetched again after resume.
          this.paused.add(batch.partition);
          this.consumer.pause([{ topic: this.topic, partitions: [batch.partition] }]);
          this.events.pauses++;
          return;
        }
        const { chunk, letters } = decodeRecords(records, this.topic, this.stage, () =>
          this.deps.clock.nowMs(),
        );
        this.inFlight += chunk.length;
        this.events.maxHeldOrInFlight = Math.max(this.events.maxHeldOrInFlight, this.inFlight + this.held());
        for (const { message } of chunk)
          this.calling.set(message.videoId, (this.calling.get(message.videoId) ?? 0) + 1);
        let delivered = false;
        try {
          if (letters.length > 0) await this.deps.publishDeadLetters(letters);
          const after: AfterCommit[] = [];
          delivered = await this.deliver(
            chunk.map((c) => c.message),
            isRunning,
            after,
          );
          if (delivered && offsets === this.partitions.get(batch.partition)) this.commits.defer(after);
          // What did not leave during the call is parked (a join input): hold its offset.
          if (delivered && this.deps.holdUntilForwarded && offsets === this.partitions.get(batch.partition)) {
            for (const { message, offset } of chunk) {
              if (this.departed.has(message.videoId)) continue;
              offsets.hold(message.videoId, offset);
              this.heldAt.set(message.videoId, batch.partition);
            }
          }
        } finally {
          this.inFlight -= chunk.length;
          for (const { message } of chunk) {
            const count = (this.calling.get(message.videoId) ?? 1) - 1;
            if (count > 0) this.calling.set(message.videoId, count);
            else {
              this.calling.delete(message.videoId);
              this.departed.delete(message.videoId);
            }
          }
        }
        if (!delivered) return;
        this.progressed();
        const last = records[records.length - 1]!;
        offsets.processed(Number(last.offset));
        resolveOffset(last.offset);
        this.commits.schedule();
        await heartbeat().catch((e: Error) => this.heartbeatFailed(e));
      }
    } finally {
      clearInterval(beat);
      this.maybeResume();
    }
  }

  private deliver(
    messages: StageMessage[],
    isRunning: () => boolean,
    after: AfterCommit[],
  ): Promise<boolean> {
    return deliverWithRetries(
      this.handler,
      messages,
      {
        ...this.deps,
        topic: this.topic,
        stage: this.stage,
        isRunning: () => isRunning() && this.running,
      },
      after,
    );
  }

  private maybeResume(): void {
    if (this.paused.size === 0 || this.userPaused) return;
    if (this.inFlight + this.held() >= this.deps.settings.consumer.maxInFlightMessages / 2) return;
    const partitions = [...this.paused];
    this.paused.clear();
    this.consumer.resume([{ topic: this.topic, partitions }]);
    this.events.resumes++;
  }
}
