/**
 * Rates as planned, on the real broker: backend pods declare their planned rates for a stage to
 * its consumer group, and the group leader's assignor gives each pod partitions in proportion
 * (docs/kafka.md "Rates as planned"). Two pods of two consumers each plan 3/s and 1/s of a stage:
 * they receive 3/4 and 1/4 of its messages, not Kafka's even split. When a re-plan changes a
 * pod's rate, its consumers rejoin with the new declaration and the shares follow.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { MemberDeclaration } from '../contract/member-metadata.ts';
import { partitionsForRates } from '../contract/partition-shares.ts';
import { systemClock } from '../runtime/clock.ts';
import { startExecutor } from '../runtime/executor/executor.ts';
import { KafkaTransport } from '../runtime/transport/kafka/kafka-transport.ts';
import { getTestEnv } from './env/environment.ts';
import {
  createTopics,
  ingested,
  quietLogger,
  rawClient,
  testConfig,
  testSettings,
} from './kafka-support/harness.ts';

const { kafkaBootstrap } = getTestEnv();

async function startPod(
  config: ReturnType<typeof testConfig>,
  partitions: number,
  declaration: MemberDeclaration,
) {
  const counted = { n: 0 };
  const transport = await KafkaTransport.connect({
    connection: { brokers: [kafkaBootstrap], clientId: `it-rates-${declaration.pod}` },
    settings: testSettings(config, partitions),
    topics: { deadLetter: config.topics.deadLetter, output: config.topics.output },
    retry: { maxRetries: 1, backoffMs: 10 },
    gateOutput: false,
    clock: systemClock,
    logger: quietLogger,
    declare: () => declaration,
  });
  const frames = { retain: async () => {}, release: async () => {} };
  const scene = {
    process: async () => {
      counted.n++;
      return { scores: [1, 0] };
    },
  };
  const executor = await startExecutor(
    {
      config: { ...config, stages: config.stages.filter((s) => s.name === 'scene') },
      transport,
      frames,
      clock: systemClock,
      logger: quietLogger,
    },
    { workers: { scene }, consumersPerStage: 2 },
  );
  return {
    counted,
    declaration,
    transport,
    async stop() {
      await executor.stop();
      await transport.close();
    },
  };
}

async function stableMembers(groupId: string, members: number): Promise<void> {
  const admin = rawClient(kafkaBootstrap).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { groups } = await admin.describeGroups([groupId]);
      const g = groups[0];
      if (g?.state === 'Stable' && g.members.length === members) return;
      if (Date.now() > deadline)
        throw new Error(`group ${groupId}: ${g?.state} with ${g?.members.length} members`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.disconnect();
  }
}

async function produce(topic: string, ids: string[]): Promise<void> {
  const producer = rawClient(kafkaBootstrap).producer();
  await producer.connect();
  for (let i = 0; i < ids.length; i += 500)
    await producer.send({
      topic,
      messages: ids.slice(i, i + 500).map((id) => ({ key: id, value: JSON.stringify(ingested(id)) })),
    });
  await producer.disconnect();
}

test('pods receive a stage`s messages in proportion to their planned rates, and follow a re-plan', {
  timeout: 180_000,
}, async () => {
  const config = testConfig();
  const scene = config.stages.find((s) => s.name === 'scene')!;
  const { partitions } = partitionsForRates([[3, 1]], 4);
  await createTopics(kafkaBootstrap, config, partitions);
  const group = `vpo.${config.pipeline.namespace}.${config.pipeline.name}.scene`;
  const fast = await startPod(config, partitions, {
    pod: 'fast',
    backend: 'b0',
    rateVps: 3,
    planGeneration: 1,
  });
  const slow = await startPod(config, partitions, {
    pod: 'slow',
    backend: 'b1',
    rateVps: 1,
    planGeneration: 1,
  });
  try {
    await stableMembers(group, 4);
    const first = Array.from({ length: 4000 }, (_, i) => `a-${randomUUID().slice(0, 8)}-${i}`);
    await produce(scene.topic, first);
    const until = async (total: number) => {
      const deadline = Date.now() + 90_000;
      while (fast.counted.n + slow.counted.n < total) {
        if (Date.now() > deadline)
          throw new Error(`processed ${fast.counted.n + slow.counted.n} of ${total}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await until(4000);
    const share = slow.counted.n / 4000;
    assert.ok(
      Math.abs(share - 0.25) / 0.25 <= 0.1,
      `the 1/s pod took ${share} of the messages, planned 0.25`,
    );

    // A re-plan gives the slow pod the same rate: it declares it, rejoins, and the shares even out.
    slow.declaration.rateVps = 3;
    slow.declaration.planGeneration = 2;
    assert.equal(await slow.transport.redeclare(), 2, 'both consumers of the re-planned pod rejoin');
    assert.equal(await fast.transport.redeclare(), 0, 'an unchanged declaration does not rejoin');
    await stableMembers(group, 4);
    const before = { fast: fast.counted.n, slow: slow.counted.n };
    const second = Array.from({ length: 4000 }, (_, i) => `b-${randomUUID().slice(0, 8)}-${i}`);
    await produce(scene.topic, second);
    await until(8000);
    const evenShare = (slow.counted.n - before.slow) / 4000;
    assert.ok(
      Math.abs(evenShare - 0.5) / 0.5 <= 0.1,
      `after the re-plan the pod took ${evenShare}, planned 0.5`,
    );
  } finally {
    await fast.stop();
    await slow.stop();
  }
});
