/**
 * Faults on the real broker: two backend processes of one stage share its partitions; one is
 * killed with SIGKILL in the middle of a batch and every video still gets exactly one result;
 * the broker stops and restarts mid-run and nothing is lost; a slow stage pauses its partitions
 * (bounded in-flight) and keeps its group membership through a batch longer than the session
 * timeout; topics grown under running consumers and producers are found within seconds.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeMessage } from '../runtime/transport/kafka/codec.ts';
import type { StageMessage } from '../runtime/transport/transport.ts';
import { getTestEnv } from './env/environment.ts';
import {
  collect,
  countBy,
  createTopics,
  ingested,
  labelWorker,
  produceRaw,
  startTestBackend,
  testConfig,
  testSettings,
} from './kafka-support/harness.ts';
import { startRestartableBroker } from './kafka-support/restartable-broker.ts';

const { kafkaBootstrap } = getTestEnv();

/** The diamond's scene stage as a sink: one stage, results straight to the output topic. */
function sinkConfig() {
  const config = testConfig();
  return { ...config, stages: [{ ...config.stages[0]!, downstream: [] }] };
}

function startFakeBackend(configFile: string, delayMs: number, gapMs: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      new URL('./kafka-support/fake-backend.ts', import.meta.url).pathname,
      configFile,
      'scene',
      String(delayMs),
      String(gapMs),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (data: Buffer) => {
      if (data.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`fake backend exited with ${code}`)));
  });
}

test('two backends share a stage; one killed mid-batch, every video still has exactly one result', {
  timeout: 150_000,
}, async () => {
  const config = sinkConfig();
  await createTopics(kafkaBootstrap, config, 4);
  const file = join(await mkdtemp(join(tmpdir(), 'vpo-faults-')), 'config.json');
  await writeFile(file, JSON.stringify({ ...config, bootstrap: kafkaBootstrap }));
  const results = await collect<StageMessage & { outputs: { scene: { pid: number } } }>(
    kafkaBootstrap,
    config.topics.output,
  );
  const children: ChildProcess[] = [];
  try {
    // The victim spends most of its time between producing and committing, where a crash
    // leaves results on the output topic whose inputs will be delivered again.
    children.push(await startFakeBackend(file, 40, 400));
    children.push(await startFakeBackend(file, 40, 0));
    const ids = Array.from({ length: 120 }, (_, i) => `kill-${i}`);
    await produceRaw(
      kafkaBootstrap,
      config.stages[0]!.topic,
      ids.map((id) => encodeMessage(ingested(id))),
    );
    await results.until(
      (r) => new Set(r.map((m) => m.outputs.scene.pid)).size === 2,
      60_000,
      'both backends',
    );
    const victim = children[0]!;
    victim.kill('SIGKILL');
    await results.until((r) => new Set(r.map((m) => m.videoId)).size === ids.length, 90_000, 'every result');
    await new Promise((r) => setTimeout(r, 1000));
    const counts = countBy(results.items);
    const twice = ids.filter((id) => counts.get(id) !== 1);
    assert.deepEqual(twice, [], 'videos without exactly one result');
    const pids = new Set(results.items.map((m) => m.outputs.scene.pid));
    assert.ok(pids.has(victim.pid!) && pids.size === 2, 'both backends produced results');
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await results.stop();
  }
});

test('the broker stops and restarts mid-run: the pipeline resumes and loses nothing', {
  timeout: 240_000,
}, async () => {
  const broker = await startRestartableBroker();
  const config = sinkConfig();
  let backend: Awaited<ReturnType<typeof startTestBackend>> | undefined;
  let results: Awaited<ReturnType<typeof collect<StageMessage>>> | undefined;
  try {
    await createTopics(broker.bootstrap, config, 2);
    backend = await startTestBackend(broker.bootstrap, config, {
      scene: { process: async () => ({ scores: [1] }) },
    });
    results = await collect<StageMessage>(broker.bootstrap, config.topics.output);
    const before = Array.from({ length: 30 }, (_, i) => `before-${i}`);
    await produceRaw(
      broker.bootstrap,
      config.stages[0]!.topic,
      before.map((id) => encodeMessage(ingested(id))),
    );
    await results.until((r) => r.length >= 5, 60_000, 'first results');
    await broker.stop();
    await new Promise((r) => setTimeout(r, 2000));
    await broker.start();
    const after = Array.from({ length: 10 }, (_, i) => `after-${i}`);
    await produceRaw(
      broker.bootstrap,
      config.stages[0]!.topic,
      after.map((id) => encodeMessage(ingested(id))),
    );
    const all = [...before, ...after];
    await results.until((r) => new Set(r.map((m) => m.videoId)).size === all.length, 120_000, 'every result');
    const counts = countBy(results.items);
    assert.deepEqual(
      all.filter((id) => counts.get(id) !== 1),
      [],
    );
  } finally {
    await results?.stop().catch(() => {});
    await backend?.stop().catch(() => {});
    await broker.destroy();
  }
});

test('a slow stage pauses its partitions, holds a bounded number of messages, and is not kicked out', {
  timeout: 120_000,
}, async () => {
  const config = sinkConfig();
  await createTopics(kafkaBootstrap, config, 4);
  const base = testSettings(config);
  const settings = {
    ...base,
    consumer: {
      ...base.consumer,
      maxInFlightMessages: 8,
      partitionsConsumedConcurrently: 4,
      // One batch below takes longer than the session timeout.
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1000,
    },
  };
  const backend = await startTestBackend(
    kafkaBootstrap,
    config,
    {
      scene: {
        process: async (m) => {
          await new Promise((r) => setTimeout(r, m.videoId === 'slow-0' ? 13_000 : 100));
          return { scores: [1] };
        },
      },
    },
    settings,
  );
  const results = await collect<StageMessage>(kafkaBootstrap, config.topics.output);
  try {
    // Settle the group first (a fresh group may join twice while the new topics' metadata
    // settles); what must not happen is a rejoin caused by the slow batch below.
    await produceRaw(kafkaBootstrap, config.stages[0]!.topic, [encodeMessage(ingested('warm-up'))]);
    await results.until((r) => r.some((m) => m.videoId === 'warm-up'), 60_000, 'the warm-up result');
    const joinsBefore = backend.transport.events()[0]?.rebalances ?? 0;
    const ids = Array.from({ length: 60 }, (_, i) => `slow-${i}`);
    await produceRaw(
      kafkaBootstrap,
      config.stages[0]!.topic,
      ids.map((id) => encodeMessage(ingested(id))),
    );
    await results.until(
      (r) => new Set(r.map((m) => m.videoId).filter((id) => id.startsWith('slow-'))).size === ids.length,
      90_000,
      'every result',
    );
    const [events] = backend.transport.events();
    assert.ok(events, 'one subscription');
    assert.ok(events.pauses > 0, `paused ${events.pauses} times`);
    assert.ok(events.resumes > 0, `resumed ${events.resumes} times`);
    assert.ok(events.maxHeldOrInFlight <= 8, `held ${events.maxHeldOrInFlight} at once`);
    assert.equal(
      events.rebalances,
      joinsBefore,
      `no rejoin while the slow batch ran (${joinsBefore} joins before): ${JSON.stringify(events)}`,
    );
    const counts = countBy(results.items);
    assert.deepEqual(
      ids.filter((id) => counts.get(id) !== 1),
      [],
    );
  } finally {
    await results.stop();
    await backend.stop();
  }
});

test('topics grown while running: videos keyed onto the new partitions are consumed within seconds', {
  timeout: 90_000,
}, async () => {
  const config = sinkConfig();
  await createTopics(kafkaBootstrap, config, 1);
  const results = await collect<StageMessage>(kafkaBootstrap, config.topics.output);
  const backend = await startTestBackend(kafkaBootstrap, config, { scene: labelWorker() });
  const scene = config.stages[0]!;
  try {
    await produceRaw(kafkaBootstrap, scene.topic, [encodeMessage(ingested('before'))]);
    await results.until((r) => r.length >= 1, 30_000, 'the result from before the growth');
    // What the operator does when a re-plan needs more partitions: the running consumer was
    // assigned 1 partition; 15 of 16 keys now land on partitions it has not heard of yet.
    await createTopics(kafkaBootstrap, config, 16);
    const ids = Array.from({ length: 24 }, (_, i) => `grown-${i}`);
    await produceRaw(
      kafkaBootstrap,
      scene.topic,
      ids.map((id) => encodeMessage(ingested(id))),
    );
    // Kafka's default metadata age (5 minutes) would leave them unread past this bound. (The
    // results land on the output topic's new partitions too: read by a reader that knows them.)
    const grown = await collect<StageMessage>(kafkaBootstrap, config.topics.output);
    try {
      await grown
        .until(
          (r) => ids.every((id) => r.some((m) => m.videoId === id)),
          40_000,
          'results of the videos on the new partitions',
        )
        .catch((e) => {
          throw new Error(`${e.message}: ${JSON.stringify([...countBy(grown.items)])}`);
        });
      const counts = countBy(grown.items);
      for (const id of ids) assert.equal(counts.get(id), 1, id);
    } finally {
      await grown.stop();
    }
  } finally {
    await results.stop();
    await backend.stop();
  }
});
