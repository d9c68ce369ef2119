// The Kafka transport (runtime/transport/transport.ts over a real broker). Records are keyed by
// videoId; the producer is idempotent with acks=all; a subscription commits a chunk's offsets
// only after its handler resolved (outputs produced). Publishing to the output topic goes
// through the OutputGate (exactly one result per video). Every publish and dead letter tells the
// subscriptions that the video left their stage, which lets go of join inputs held uncommitted.
import { CompressionTypes, type Kafka, Partitioners, type Producer } from 'kafkajs';
import type { KafkaSettings } from '../../../contract/kafka-settings.ts';
import type { MemberDeclaration } from '../../../contract/member-metadata.ts';
import { type BrokerProbe, startBrokerProbe } from '../../../kafka/broker-probe.ts';
import { createKafkaClient, type KafkaConnection, METADATA_MAX_AGE_MS } from '../../../kafka/connection.ts';
import type { Clock } from '../../clock.ts';
import { RuntimeError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import {
  type DeadLetter,
  type Handler,
  PublishRejectedError,
  type PublishRejection,
  type StageMessage,
  type Transport,
} from '../transport.ts';
import {
  type EncodedRecord,
  encodeDeadLetter,
  encodeMessage,
  encodeSourceVideo,
  type SourceVideo,
} from './codec.ts';
import { OutputGate } from './output-gate.ts';
import { ProduceBatcher } from './produce-batcher.ts';
import { classifyProduceError } from './produce-errors.ts';
import { KafkaSubscription, type SubscriptionEvents } from './subscription.ts';

export interface KafkaTransportOptions {
  connection: KafkaConnection;
  settings: KafkaSettings;
  topics: { deadLetter: string; output: string };
  /** Handler retries (transport-level; the executor retries its own items first). */
  retry: { maxRetries: number; backoffMs: number };
  /** Start the output gate (this process hosts a sink stage). */
  gateOutput: boolean;
  /**
   * Topics whose inputs stay uncommitted until their video is forwarded (published onward or
   * dead-lettered): the topics of join stages, so a restart rebuilds the join from the topic.
   */
  holdTopics?: string[];
  clock: Clock;
  logger: Logger;
  /** The pipeline's consumer-group prefix (contract/topic-names.ts): groups of its own start with it. */
  groupPrefix?: string;
  /**
   * What this process's consumer of `topic` declares to its group (a backend pod's planned rate
   * for the stage, rate-assignor.ts); undefined = even assignment (ingest, `--stages`).
   */
  declare?: (topic: string) => MemberDeclaration | undefined;
  /** Dead letters the transport decided on itself (undecodable records, conflicting ids): metrics. */
  onDeadLetters?: (letters: DeadLetter[]) => void;
  /** How often readiness asks the broker whether it answers, ms (default 5000). */
  brokerProbeMs?: number;
  /** A consumer without a fetch or a finished chunk for this long is stalled (subscription.ts). */
  stalledAfterMs?: number;
}

/** Kafka failed (broker unreachable, request timed out): retriable, never the message's fault. */
export class TransportError extends RuntimeError<'TransportUnavailable'> {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('TransportUnavailable', message, { ...options, retriable: true });
    this.name = 'TransportError';
  }
}

function duplicateId(m: StageMessage): DeadLetter {
  return {
    videoId: m.videoId,
    source: m.source,
    stage: 'output',
    reason: 'DuplicateVideoId',
    attempts: 1,
    error: `another video's result already holds videoId ${m.videoId}; this one (${m.source}) is not published`,
    original: { videoId: m.videoId, source: m.source, ingestedAtMs: m.ingestedAtMs },
  };
}

export class KafkaTransport implements Transport {
  private readonly options: KafkaTransportOptions;
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly subscriptions: KafkaSubscription[] = [];
  private gate: OutputGate | undefined;
  private probe: BrokerProbe | undefined;
  private producerConnected = false;
  private readonly batcher: ProduceBatcher<EncodedRecord>;

  private constructor(options: KafkaTransportOptions) {
    this.options = options;
    this.kafka = createKafkaClient(options.connection, options.logger);
    this.producer = this.kafka.producer({
      idempotent: true,
      // Keys map onto grown partitions soon after the operator grows a topic (co-partitioning).
      metadataMaxAge: METADATA_MAX_AGE_MS,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Java-compatible murmur2 on the key: a video's messages share a partition in every topic.
      createPartitioner: Partitioners.DefaultPartitioner,
      // Idempotence needs unlimited retries; while the broker is down a send waits (backing
      // off to 2 s) instead of failing, so nothing is lost and the pipeline resumes.
      retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: Number.MAX_SAFE_INTEGER },
    });
    const { compression, batchMessages } = options.settings.producer;
    this.batcher = new ProduceBatcher<EncodedRecord>({
      sendBatch: async (topicMessages) => {
        await this.producer.sendBatch({
          topicMessages,
          acks: -1,
          compression: compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
        });
      },
      maxRecords: Math.max(64, 4 * batchMessages),
      maxBytes: 512 * 1024,
      sizeOf: (r) => Buffer.byteLength(r.value),
    });
  }

  static async connect(options: KafkaTransportOptions): Promise<KafkaTransport> {
    const transport = new KafkaTransport(options);
    const { producer } = transport;
    producer.on(producer.events.CONNECT, () => {
      transport.producerConnected = true;
    });
    producer.on(producer.events.DISCONNECT, () => {
      transport.producerConnected = false;
    });
    await producer.connect();
    transport.probe = startBrokerProbe(transport.kafka, {
      intervalMs: options.brokerProbeMs ?? 5000,
      timeoutMs: options.brokerProbeMs ?? 5000,
      nowMs: () => options.clock.nowMs(),
    });
    if (options.gateOutput) {
      transport.gate = new OutputGate({
        kafka: transport.kafka,
        topic: options.topics.output,
        clientId: options.connection.clientId,
        ...(options.groupPrefix ? { groupPrefix: options.groupPrefix } : {}),
        recentIds: options.settings.outputDedup.recentIds,
        tailPerPartition: options.settings.outputDedup.tailPerPartition,
        syncTimeoutMs: 30_000,
        logger: options.logger,
      });
      await transport.gate.start();
    }
    return transport;
  }

  /** Results dropped as duplicates by the output gate. */
  get duplicatesDropped(): number {
    return this.gate?.dropped ?? 0;
  }

  events(): SubscriptionEvents[] {
    return this.subscriptions.map((s) => ({ ...s.events }));
  }

  /** One send of `records`, combined with concurrent sends into one request (produce-batcher.ts). */
  private sendOnce(topic: string, records: EncodedRecord[]): Promise<void> {
    return this.batcher.send(topic, records);
  }

  /**
   * Sends in requests of the planned size. A retriable failure (Kafka away) is a TransportError,
   * retried by the subscription. A permanent one (the broker refuses a record or the topic) is
   * narrowed down record by record: the others are delivered, and the refused ones come back in
   * a PublishRejectedError, to be dead-lettered while the partition keeps flowing.
   */
  private async send(topic: string, records: EncodedRecord[]): Promise<void> {
    const { batchMessages } = this.options.settings.producer;
    const rejected: PublishRejectedError['rejected'] = [];
    let firstCause: unknown;
    for (let i = 0; i < records.length; i += batchMessages) {
      const chunk = records.slice(i, i + batchMessages);
      try {
        await this.sendOnce(topic, chunk);
        continue;
      } catch (error) {
        const failure = classifyProduceError(error);
        if (!failure.permanent) throw this.unavailable(topic, error);
        firstCause ??= error;
        if (chunk.length === 1) {
          rejected.push(this.rejection(chunk[0]!, failure.reason, error));
          continue;
        }
      }
      // One record spoiled the request: find it (an idempotent producer keeps re-sends of the
      // others that already landed from doubling; at-least-once covers the rest).
      for (const record of chunk) {
        try {
          await this.sendOnce(topic, [record]);
        } catch (error) {
          const failure = classifyProduceError(error);
          if (!failure.permanent) throw this.unavailable(topic, error);
          rejected.push(this.rejection(record, failure.reason, error));
        }
      }
    }
    if (rejected.length > 0) throw new PublishRejectedError(topic, rejected, { cause: firstCause });
  }

  private unavailable(topic: string, error: unknown): TransportError {
    return new TransportError(`producing to ${topic} failed: ${(error as Error)?.message}`, { cause: error });
  }

  private rejection(record: EncodedRecord, reason: PublishRejection, error: unknown) {
    const bytes = Buffer.byteLength(record.value);
    return {
      videoId: record.key,
      reason,
      error: `${(error as Error)?.message ?? String(error)} (${bytes} bytes)`,
    };
  }

  private left(videoIds: string[], topic: string | undefined): void {
    for (const id of videoIds) for (const s of this.subscriptions) s.left(id, topic);
  }

  async publish(topic: string, messages: StageMessage[]): Promise<void> {
    let admitted = messages;
    const gate = this.gate && topic === this.gate.topic ? this.gate : undefined;
    if (gate) {
      const verdict = await gate.admit(messages);
      admitted = verdict.admitted;
      if (verdict.conflicts.length > 0) await this.ownDeadLetters(verdict.conflicts.map(duplicateId));
    }
    try {
      await this.send(topic, admitted.map(encodeMessage));
      gate?.settle(admitted, true);
    } catch (error) {
      if (!(error instanceof PublishRejectedError)) {
        gate?.settle(admitted, false);
        throw error;
      }
      // The others were delivered: they left this stage like any published message.
      const refused = new Set(error.rejected.map((r) => r.videoId));
      gate?.settle(
        admitted.filter((m) => !refused.has(m.videoId)),
        true,
      );
      gate?.settle(
        admitted.filter((m) => refused.has(m.videoId)),
        false,
      );
      this.left(
        messages.filter((m) => !refused.has(m.videoId)).map((m) => m.videoId),
        topic,
      );
      throw error;
    }
    this.left(
      messages.map((m) => m.videoId),
      topic,
    );
  }

  /** Puts videos on the source topic in the form users produce (docs/API.md). */
  async publishVideos(topic: string, videos: SourceVideo[]): Promise<void> {
    await this.send(topic, videos.map(encodeSourceVideo));
  }

  /** Dead letters the transport itself decided on (not handed to it): published and reported. */
  private async ownDeadLetters(letters: DeadLetter[]): Promise<void> {
    await this.publishDeadLetters(letters);
    this.options.onDeadLetters?.(letters);
  }

  /**
   * Dead letters must land: one the topic refuses as too large goes again without its original
   * message (the reason and error stay); one refused for another reason (the dead-letter topic
   * itself is missing or forbidden) is retried like Kafka being away, and the logs name it.
   */
  async publishDeadLetters(letters: DeadLetter[]): Promise<void> {
    const topic = this.options.topics.deadLetter;
    try {
      await this.send(topic, letters.map(encodeDeadLetter));
    } catch (error) {
      if (!(error instanceof PublishRejectedError)) throw error;
      const refused = new Set(error.rejected.map((r) => r.videoId || 'invalid'));
      const retry = letters.filter((l) => refused.has(l.videoId || 'invalid'));
      if (error.rejected.some((r) => r.reason !== 'OutputTooLarge'))
        throw new TransportError(`the dead-letter topic ${topic} refuses records: ${error.message}`, {
          cause: error,
        });
      const slim = retry.map((l) => ({
        ...l,
        original: { omitted: `the original message was too large for ${topic}` },
      }));
      try {
        await this.send(topic, slim.map(encodeDeadLetter));
      } catch (again) {
        throw new TransportError(
          `the dead-letter topic ${topic} refuses records: ${(again as Error).message}`,
          {
            cause: again,
          },
        );
      }
    }
    this.left(
      letters.map((l) => l.videoId),
      undefined,
    );
  }

  async subscribe(
    topic: string,
    group: string,
    handler: Handler,
    options?: { maxBatch?: number },
  ): Promise<KafkaSubscription> {
    const subscription = new KafkaSubscription(topic, group, handler, options?.maxBatch ?? 1, {
      holdUntilForwarded: this.options.holdTopics?.includes(topic) ?? false,
      kafka: this.kafka,
      settings: this.options.settings,
      retry: this.options.retry,
      clock: this.options.clock,
      logger: this.options.logger,
      publishDeadLetters: (letters) => this.ownDeadLetters(letters),
      isTransportError: (error) => error instanceof TransportError,
      onRebalance: () => this.gate?.rebalanced(),
      ...(this.options.declare ? { declare: () => this.options.declare?.(topic) } : {}),
      ...(this.options.stalledAfterMs !== undefined ? { stalledAfterMs: this.options.stalledAfterMs } : {}),
    });
    this.subscriptions.push(subscription);
    await subscription.start();
    return subscription;
  }

  /**
   * After a re-plan: consumers whose declaration (rate, generation) changed rejoin their groups
   * so partitions follow the new rates. Resolves with how many rejoined.
   */
  async redeclare(): Promise<number> {
    const rejoined = await Promise.all(this.subscriptions.map((s) => s.redeclare()));
    return rejoined.filter(Boolean).length;
  }

  /** A re-plan's chunk sizes, by topic. */
  setMaxBatch(topic: string, maxBatch: number): void {
    for (const s of this.subscriptions) if (s.topic === topic) s.setMaxBatch(maxBatch);
  }

  connected(): boolean {
    return (
      this.producerConnected &&
      (this.probe?.reachable() ?? false) &&
      this.subscriptions.every((s) => s.healthy)
    );
  }

  async close(): Promise<void> {
    await this.probe?.close().catch((e: Error) => this.options.logger.warn(`broker probe: ${e.message}`));
    await Promise.all(
      this.subscriptions.map((s) =>
        s.close().catch((e: Error) => this.options.logger.warn(`closing a subscription: ${e.message}`)),
      ),
    );
    await this.gate?.close();
    await this.producer.disconnect();
  }
}
