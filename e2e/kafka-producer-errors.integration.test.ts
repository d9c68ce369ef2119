/**
 * Producer errors on the real broker: a stage output the broker refuses for good (over the
 * topic's max.message.bytes) is a dead letter with its reason, and the partition keeps flowing;
 * an output over the runtime's own bound (limits.maxOutputBytes) is refused before it reaches
 * Kafka, with a reason that says which limit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeadLetter, StageMessage } from '../runtime/transport/transport.ts';
import { getTestEnv } from './env/environment.ts';
import {
  collect,
  createTopics,
  ingested,
  produceRaw,
  rawClient,
  startTestBackend,
  testConfig,
} from './kafka-support/harness.ts';

const { kafkaBootstrap } = getTestEnv();

/** scene's output for a video: `big` videos carry `values` numbers. */
const sceneWorker = (values: number) => ({
  process: async (m: StageMessage) => ({
    scores: Array.from({ length: m.videoId.startsWith('big') ? values : 2 }, () => 0.5),
  }),
});

test('an output the broker refuses is a dead letter with its reason; the partition keeps flowing', {
  timeout: 120_000,
}, async () => {
  const config = testConfig();
  const fusion = config.stages.find((s) => s.name === 'fusion')!;
  const scene = config.stages.find((s) => s.name === 'scene')!;
  // The fusion topic (scene's downstream) takes records of at most 4000 bytes.
  const admin = rawClient(kafkaBootstrap).admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      {
        topic: fusion.topic,
        numPartitions: 1,
        configEntries: [{ name: 'max.message.bytes', value: '4000' }],
      },
    ],
  });
  await admin.disconnect();
  await createTopics(kafkaBootstrap, config, 1);
  const letters = await collect<DeadLetter>(kafkaBootstrap, config.topics.deadLetter);
  const forwarded = await collect<StageMessage>(kafkaBootstrap, fusion.topic);
  const backend = await startTestBackend(
    kafkaBootstrap,
    { ...config, stages: [scene, { ...fusion }] },
    { scene: sceneWorker(2000) },
  );
  try {
    const ids = ['v1', 'big-1', 'v2', 'v3'];
    await produceRaw(
      kafkaBootstrap,
      scene.topic,
      ids.map((id) => ({ key: id, value: JSON.stringify(ingested(id)) })),
    );
    await forwarded.until((items) => items.length >= 3, 60_000, 'the small outputs');
    await letters.until((items) => items.length >= 1, 60_000, 'the dead letter');
    assert.deepEqual(forwarded.items.map((m) => m.videoId).sort(), ['v1', 'v2', 'v3']);
    const letter = letters.items[0]!;
    assert.equal(letter.videoId, 'big-1');
    assert.equal(letter.stage, 'scene');
    assert.equal(letter.reason, 'OutputTooLarge');
    assert.match(
      letter.error,
      new RegExp(`${fusion.topic.replace(/\./g, '\\.')}: .*larger than the max message size`),
    );
    // The partition went on past it: a later video still flows.
    await produceRaw(kafkaBootstrap, scene.topic, [{ key: 'v4', value: JSON.stringify(ingested('v4')) }]);
    await forwarded.until(
      (items) => items.some((m) => m.videoId === 'v4'),
      60_000,
      'v4 after the refused one',
    );
  } finally {
    await backend.stop();
    await letters.stop();
    await forwarded.stop();
  }
});

test('an output over limits.maxOutputBytes is dead-lettered before it reaches Kafka', {
  timeout: 120_000,
}, async () => {
  const base = testConfig();
  const config = { ...base, limits: { ...base.limits, maxOutputBytes: 2000 } };
  const scene = config.stages.find((s) => s.name === 'scene')!;
  await createTopics(kafkaBootstrap, config, 1);
  const letters = await collect<DeadLetter>(kafkaBootstrap, config.topics.deadLetter);
  const backend = await startTestBackend(kafkaBootstrap, config, { scene: sceneWorker(1000) });
  try {
    await produceRaw(kafkaBootstrap, scene.topic, [
      { key: 'big-2', value: JSON.stringify(ingested('big-2')) },
    ]);
    await letters.until((items) => items.length >= 1, 60_000, 'the dead letter');
    const letter = letters.items[0]!;
    assert.equal(letter.reason, 'OutputTooLarge');
    assert.match(letter.error, /over the 2000-byte limit \(limits\.maxOutputBytes\)/);
  } finally {
    await backend.stop();
    await letters.stop();
  }
});
