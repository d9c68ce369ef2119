// The Kafka transport (runtime/transport/transport.ts over a real broker). Records are keyed by
// videoId; the producer is idempotent with acks=all; a subscription commits a chunk's offsets
// only after its handler resolved (outputs produced). Publishing to the output topic goes
// through the OutputGate (exactly one result per video). Every publish and dead letter tells the
// subscriptions that the video left their stage, which lets go of join inputs held uncommitted.
import { CompressionTypes, type Kafka, Partitioners, type Producer } from 'kafkajs';
import type { KafkaSettings } from '../../../contract/kafka-settings.ts';
import { type BrokerProbe, startBrokerProbe } from '../../../kafka/broker-probe.ts';
import { createKafkaClient, type KafkaConnection, METADATA_MAX_AGE_MS } from '../../../kafka/connection.ts';
import type { Clock } from '../../clock.ts';
import { RuntimeError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { DeadLetter, Handler, StageMessage, Transport } from '../transport.ts';
import {
  type EncodedRecord,
  encodeDeadLetter,
  encodeMessage,
  encodeSourceVideo,
  type SourceVideo,
} from './codec.ts';
import { OutputGate } from './output-gate.ts';
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
  /** Dead letters the transport decided on itself (undecodable records, conflicting ids): metrics. */
  onDeadLetters?: (letters: DeadLetter[]) => void;
  /** How often readiness asks the broker whether it answers, ms (default 5000). */
  brokerProbeMs?: number;
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

  private async send(topic: string, records: EncodedRecord[]): Promise<void> {
    const { batchMessages, compression } = this.options.settings.producer;
    for (let i = 0; i < records.length; i += batchMessages) {
      try {
        await this.producer.send({
          topic,
          acks: -1,
          compression: compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
          messages: records.slice(i, i + batchMessages),
        });
      } catch (error) {
        throw new TransportError(`producing to ${topic} failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
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
      gate?.settle(admitted, false);
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

  async publishDeadLetters(letters: DeadLetter[]): Promise<void> {
    await this.send(this.options.topics.deadLetter, letters.map(encodeDeadLetter));
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
    });
    this.subscriptions.push(subscription);
    await subscription.start();
    return subscription;
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
