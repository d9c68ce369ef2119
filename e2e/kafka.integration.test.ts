/**
 * Smoke test of the shared Kafka broker with the client vpo uses (kafkajs 2.2.4): produce,
 * consume in a group, commit, and the admin calls the operator needs. It also holds kafkajs to
 * the broker's protocol: any log entry about an unsupported API version fails the test (this
 * is how the broker version in e2e/env/kafka/assemble.ts was chosen).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { Kafka, type LogEntry, logLevel, Partitioners } from 'kafkajs';
import { getTestEnv } from './env/environment.ts';

interface Logged {
  level: number;
  namespace: string;
  message: string;
  error: string | undefined;
}

function collectingLogCreator(sink: Logged[]) {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const error = typeof log.error === 'string' ? log.error : undefined;
      sink.push({ level, namespace, message: log.message, error });
    };
}

test('kafkajs round trip: topics, partitions, produce, group consume, commit, offsets', {
  timeout: 120_000,
}, async () => {
  const { kafkaBootstrap } = getTestEnv();
  const logs: Logged[] = [];
  const kafka = new Kafka({
    clientId: 'vpo-smoke',
    brokers: [kafkaBootstrap],
    logLevel: logLevel.INFO,
    logCreator: collectingLogCreator(logs),
  });
  const run = randomUUID().slice(0, 8);
  const topic = `smoke-${run}`;
  const groupId = `smoke-group-${run}`;
  const admin = kafka.admin();
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumer = kafka.consumer({ groupId });
  try {
    await admin.connect();
    assert.equal(
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true }),
      true,
    );
    await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
    // The new partitions reach the broker's metadata a moment after createPartitions returns.
    let partitions: number[] = [];
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      partitions = (metadata.topics[0]?.partitions ?? []).map((p) => p.partitionId).sort();
      if (partitions.length === 4) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(partitions, [0, 1, 2, 3]);

    const sent = Array.from({ length: 20 }, (_, i) => ({ key: `video-${i % 7}`, value: `frame-ref-${i}` }));
    await producer.connect();
    const acks = await producer.send({ topic, messages: sent });
    assert.ok(acks.length > 0);
    assert.deepEqual(
      acks.filter((ack) => ack.errorCode !== 0),
      [],
    );

    const received: Array<{ key: string; value: string; partition: number; offset: string }> = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const allReceived = new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            received.push({
              key: message.key?.toString() ?? '',
              value: message.value?.toString() ?? '',
              partition,
              offset: message.offset,
            });
            await consumer.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
            if (received.length === sent.length) resolve();
          },
        })
        .catch(reject);
    });
    await allReceived;
    assert.deepEqual(received.map((m) => m.value).sort(), sent.map((m) => m.value).sort());
    // Same key, same partition: what the join relies on.
    const partitionOfKey = new Map<string, number>();
    for (const message of received) {
      const seen = partitionOfKey.get(message.key);
      if (seen !== undefined) assert.equal(message.partition, seen, `key ${message.key} moved partitions`);
      partitionOfKey.set(message.key, message.partition);
    }

    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    assert.equal(committed?.topic, topic);
    const perPartition = new Map(committed?.partitions.map((p) => [p.partition, Number(p.offset)]));
    for (let partition = 0; partition < 4; partition++) {
      const count = received.filter((m) => m.partition === partition).length;
      // A partition nobody read from has no committed offset (-1).
      assert.equal(perPartition.get(partition), count === 0 ? -1 : count, `partition ${partition}`);
    }
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  }
  const versionComplaints = logs.filter((entry) =>
    /unsupported|not supported|not implemented/i.test(`${entry.message} ${entry.error ?? ''}`),
  );
  assert.deepEqual(versionComplaints, [], 'kafkajs complained about protocol versions');
  assert.deepEqual(
    logs.filter((entry) => entry.level === logLevel.ERROR || entry.level === logLevel.WARN),
    [],
    'kafkajs logged errors or warnings',
  );
});
