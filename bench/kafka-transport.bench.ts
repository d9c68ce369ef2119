// `npm run bench -- kafka-transport [MESSAGES]`: messages/s through the Kafka transport (publish →
// subscribe → handler → commit, idempotent producer, acks=all) divided by a bare kafkajs loop on
// the same broker doing the same work (producer with acks=all, eachBatch consumer committing per
// batch), side by side in one run. Target ≥ 0.8. This file imports kafkajs directly on purpose:
// the bare loop is the yardstick. Uses KAFKA_BOOTSTRAP or starts a broker.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { kafkaSettingsFromConfig } from '../contract/kafka-settings.ts';
import type { RuntimeConfig } from '../contract/runtime-config.ts';
import { startKafka } from '../e2e/env/kafka/broker.ts';
import { createKafkaAdmin } from '../kafka/admin.ts';
import { systemClock } from '../runtime/clock.ts';
import { KafkaTransport } from '../runtime/transport/kafka/kafka-transport.ts';
import type { StageMessage } from '../runtime/transport/transport.ts';
import type { BenchFigure } from './run.ts';

const partitions = 4;
const sendBatch = 500;
const consumeBatch = 100;

function message(i: number): StageMessage {
  return {
    videoId: `video-${i}`,
    source: `file:///videos/${i}.mp4`,
    frameRef: `ref-${i}`,
    ingestedAtMs: 1_700_000_000_000,
    outputs: { scene: { label: 'bright', scores: [0.1, 0.7, 0.2] } },
  };
}

async function waitFor(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 300_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function viaTransport(bootstrap: string, topic: string, count: number): Promise<number> {
  const settings = kafkaSettingsFromConfig({
    stages: [{ replicas: 1, batchSize: consumeBatch, profile: [] }],
    limits: { queueCapacity: 1000, maxPendingJoins: 0 },
  } as unknown as RuntimeConfig);
  const transport = await KafkaTransport.connect({
    connection: { brokers: [bootstrap], clientId: 'bench-transport' },
    // Same producer batching and partition concurrency as the bare loop.
    settings: {
      ...settings,
      producer: { batchMessages: sendBatch, compression: 'none' },
      consumer: { ...settings.consumer, partitionsConsumedConcurrently: partitions },
    },
    topics: { deadLetter: `${topic}.dead`, output: `${topic}.out` },
    retry: { maxRetries: 1, backoffMs: 10 },
    gateOutput: false,
    clock: systemClock,
    logger: { info: () => {}, warn: () => {}, error: () => {} },
  });
  let received = 0;
  const start = performance.now();
  const subscription = await transport.subscribe(
    topic,
    `bench.${randomUUID()}.stage`,
    async (ms) => {
      received += ms.length;
    },
    { maxBatch: consumeBatch },
  );
  const all = Array.from({ length: count }, (_, i) => message(i));
  for (let i = 0; i < count; i += sendBatch) await transport.publish(topic, all.slice(i, i + sendBatch));
  await waitFor(() => received >= count, 'transport consumer');
  await subscription.committed();
  const seconds = (performance.now() - start) / 1000;
  await transport.close();
  return count / seconds;
}

async function viaKafkajs(bootstrap: string, topic: string, count: number): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench-bare', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: `bench-bare-${randomUUID()}` });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let received = 0;
  const start = performance.now();
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: partitions,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) JSON.parse(m.value?.toString() ?? '{}');
      received += batch.messages.length;
      const last = batch.messages[batch.messages.length - 1];
      if (last)
        await consumer.commitOffsets([
          { topic, partition: batch.partition, offset: String(Number(last.offset) + 1) },
        ]);
    },
  });
  const all = Array.from({ length: count }, (_, i) => message(i));
  for (let i = 0; i < count; i += sendBatch) {
    await producer.send({
      topic,
      acks: -1,
      messages: all.slice(i, i + sendBatch).map((m) => ({ key: m.videoId, value: JSON.stringify(m) })),
    });
  }
  await waitFor(() => received >= count, 'bare consumer');
  const seconds = (performance.now() - start) / 1000;
  await consumer.disconnect();
  await producer.disconnect();
  return count / seconds;
}

export async function run(args: string[]): Promise<BenchFigure[]> {
  const count = Number(args[0] ?? 20_000);
  const broker = process.env.KAFKA_BOOTSTRAP ? undefined : await startKafka({ ownerPid: process.pid });
  const bootstrap = process.env.KAFKA_BOOTSTRAP ?? broker!.bootstrap;
  const run = randomUUID().slice(0, 8);
  const topics = ['bare', 'transport'].map((t) => `bench-${run}-${t}`);
  const admin = await createKafkaAdmin({ brokers: [bootstrap], clientId: 'bench-admin' });
  try {
    await admin.ensureTopics(topics.map((topic) => ({ topic, partitions })));
    // Bare first, then the transport, then each again: the better of two runs each way.
    const bare1 = await viaKafkajs(bootstrap, topics[0]!, count);
    const transport1 = await viaTransport(bootstrap, topics[1]!, count);
    await admin.ensureTopics(topics.map((topic) => ({ topic: `${topic}-2`, partitions })));
    const transport2 = await viaTransport(bootstrap, `${topics[1]!}-2`, count);
    const bare2 = await viaKafkajs(bootstrap, `${topics[0]!}-2`, count);
    const bare = Math.max(bare1, bare2);
    const transport = Math.max(transport1, transport2);
    process.stdout.write(
      `kafka-transport: transport ${Math.round(transport)} msg/s, bare kafkajs ${Math.round(bare)} msg/s, ` +
        `ratio ${(transport / bare).toFixed(3)} (target >= 0.8; ${count} messages, ${partitions} partitions)\n`,
    );
    return [
      {
        name: 'kafka-transport',
        value: transport / bare,
        unit: 'ratio',
        target: '>= 0.8',
        transportMessagesPerSecond: transport,
        bareMessagesPerSecond: bare,
        messages: count,
      },
    ];
  } finally {
    await admin.deleteTopics([...topics, ...topics.map((t) => `${t}-2`)]).catch(() => {});
    await admin.close();
    await broker?.stop();
  }
}
