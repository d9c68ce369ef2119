// Helpers for the Kafka delivery and fault tests: a pipeline config with topics unique to one
// test, topic creation, an executor on the Kafka transport with scripted workers, and a reader
// that collects what arrives on the output and dead-letter topics.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { type KafkaSettings, kafkaSettingsFromConfig } from '../../contract/kafka-settings.ts';
import type { RuntimeConfig } from '../../contract/runtime-config.ts';
import { allTopics, pipelineTopics } from '../../contract/topic-names.ts';
import { createKafkaAdmin } from '../../kafka/admin.ts';
import { quietKafkajsTimeoutWarnings } from '../../kafka/quiet-warnings.ts';
import { systemClock } from '../../runtime/clock.ts';
import { startExecutor } from '../../runtime/executor/executor.ts';
import { diamondConfig } from '../../runtime/executor/fixtures.test-support.ts';
import type { StageWorker } from '../../runtime/executor/ports.ts';
import { KafkaTransport } from '../../runtime/transport/kafka/kafka-transport.ts';
import type { DeadLetter, StageMessage } from '../../runtime/transport/transport.ts';

export const quietLogger = { info: () => {}, warn: () => {}, error: (m: string) => console.error(m) };

/** The diamond pipeline (scene, motion → fusion join) with topics of its own. */
export function testConfig(joinTimeoutMs = 60_000): RuntimeConfig {
  const name = `k${randomUUID().slice(0, 8)}`;
  const base = diamondConfig({ pipeline: { namespace: 'it', name } });
  const topics = pipelineTopics({ namespace: 'it', name, stages: base.stages.map((s) => s.name) });
  return {
    ...base,
    topics: { source: topics.source, output: topics.output, deadLetter: topics.deadLetter },
    stages: base.stages.map((s) => ({
      ...s,
      topic: topics.stages[s.name]!,
      ...(s.joinTimeoutMs !== undefined ? { joinTimeoutMs } : {}),
    })),
    deadLetter: { maxRetries: 1, retryBackoffMs: 10 },
    limits: { queueCapacity: 16, maxPendingJoins: 64 },
  };
}

export function testSettings(config: RuntimeConfig, partitions = 4): KafkaSettings {
  const s = kafkaSettingsFromConfig(config);
  return {
    ...s,
    partitions,
    consumer: {
      ...s.consumer,
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1000,
      rebalanceTimeoutMs: 20_000,
    },
  };
}

export async function createTopics(bootstrap: string, config: RuntimeConfig, partitions: number) {
  const admin = await createKafkaAdmin({ brokers: [bootstrap], clientId: 'it-admin' });
  try {
    const topics = allTopics({
      ...config.topics,
      stages: Object.fromEntries(config.stages.map((s) => [s.name, s.topic])),
    });
    await admin.ensureTopics(topics.map((topic) => ({ topic, partitions })));
  } finally {
    await admin.close();
  }
}

export interface TestBackend {
  transport: KafkaTransport;
  stop(): Promise<void>;
}

/** An executor on the Kafka transport running `workers` (by stage name), like a backend pod. */
export async function startTestBackend(
  bootstrap: string,
  config: RuntimeConfig,
  workers: Record<string, StageWorker>,
  settings: KafkaSettings = testSettings(config),
  sweepMs = 200,
  /** Time spent releasing frames after the outputs are produced, before the commit. */
  releaseDelayMs = 0,
  /** The transport's stall threshold (subscription.ts), ms; its default when absent. */
  stalledAfterMs?: number,
): Promise<TestBackend> {
  const transport = await KafkaTransport.connect({
    ...(stalledAfterMs !== undefined ? { stalledAfterMs } : {}),
    connection: { brokers: [bootstrap], clientId: `it-${randomUUID().slice(0, 6)}` },
    settings,
    topics: { deadLetter: config.topics.deadLetter, output: config.topics.output },
    retry: { maxRetries: config.deadLetter.maxRetries, backoffMs: config.deadLetter.retryBackoffMs },
    gateOutput: config.stages.some((s) => s.downstream.length === 0 && workers[s.name]),
    holdTopics: config.stages.filter((s) => s.inputs.length > 1).map((s) => s.topic),
    clock: systemClock,
    logger: quietLogger,
  });
  const frames = {
    retain: async () => {},
    release: () => new Promise<void>((resolve) => setTimeout(resolve, releaseDelayMs)),
  };
  const ctx = { config, transport, frames, clock: systemClock, logger: quietLogger };
  const executor = await startExecutor(ctx, { workers, consumersPerStage: 1 });
  const sweep = setInterval(() => executor.expireJoins(Date.now()).catch(() => {}), sweepMs);
  return {
    transport,
    async stop() {
      clearInterval(sweep);
      await executor.stop();
      await transport.close();
    },
  };
}

export function labelWorker(label: (m: StageMessage) => unknown = () => ({ scores: [1, 0] })): StageWorker {
  return { process: async (m) => label(m) };
}

/** A stage message as ingest would publish it. */
export function ingested(videoId: string, outputs: Record<string, unknown> = {}): StageMessage {
  return {
    videoId,
    source: `file:///${videoId}`,
    frameRef: `ref-${videoId}`,
    ingestedAtMs: Date.now(),
    outputs,
  };
}

export function rawClient(bootstrap: string): Kafka {
  quietKafkajsTimeoutWarnings();
  return new Kafka({
    clientId: 'it-raw',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 100 },
  });
}

export async function produceRaw(
  bootstrap: string,
  topic: string,
  records: { key?: string; value: string; timestamp?: string }[],
) {
  const producer = rawClient(bootstrap).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({ topic, messages: records });
  await producer.disconnect();
}

/** Reads a topic from the beginning into `items` until stopped. */
export async function collect<T>(bootstrap: string, topic: string) {
  const items: T[] = [];
  const consumer = rawClient(bootstrap).consumer({ groupId: `it-collect-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      items.push(JSON.parse(message.value?.toString() ?? 'null') as T);
    },
  });
  return {
    items,
    async until(done: (items: T[]) => boolean, timeoutMs: number, what: string): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!done(items)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; have ${items.length}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: () => consumer.disconnect(),
  };
}

export type Results = Awaited<ReturnType<typeof collect<StageMessage>>>;
export type Letters = Awaited<ReturnType<typeof collect<DeadLetter>>>;

export function countBy(items: { videoId: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i.videoId, (counts.get(i.videoId) ?? 0) + 1);
  return counts;
}
