/**
 * Delivery on the real broker: commits only after outputs are produced, duplicates give one
 * result per video, bad records and always-failing messages become dead letters while the rest
 * flows, the join's state survives a restart, and a join that waits too long is a dead letter.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeMessage } from '../runtime/transport/kafka/codec.ts';
import type { DeadLetter, StageMessage } from '../runtime/transport/transport.ts';
import { getTestEnv } from './env/environment.ts';
import {
  collect,
  countBy,
  createTopics,
  ingested,
  labelWorker,
  produceRaw,
  rawClient,
  startTestBackend,
  testConfig,
} from './kafka-support/harness.ts';

const { kafkaBootstrap } = getTestEnv();

async function committedOffset(groupId: string, topic: string): Promise<number> {
  const admin = rawClient(kafkaBootstrap).admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/** A handler that holds until `release()`, and `inside` resolving once it was entered (`started()`). */
function handlerGate() {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let started!: () => void;
  const inside = new Promise<void>((resolve) => {
    started = resolve;
  });
  return { gate, release, inside, started };
}

test('an offset is committed only after the handler produced its outputs', { timeout: 90_000 }, async () => {
  const config = testConfig();
  await createTopics(kafkaBootstrap, config, 1);
  const { gate, release, inside, started } = handlerGate();
  const backend = await startTestBackend(kafkaBootstrap, config, {
    scene: {
      process: async () => {
        started();
        await gate;
        return { scores: [1] };
      },
    },
  });
  const fusionIn = await collect<StageMessage>(kafkaBootstrap, config.stages[2]!.topic);
  try {
    const scene = config.stages[0]!;
    await produceRaw(kafkaBootstrap, scene.topic, [encodeMessage(ingested('held'))]);
    await inside;
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await committedOffset(`vpo.it.${config.pipeline.name}.scene`, scene.topic), 0);
    assert.equal(fusionIn.items.length, 0);
    release();
    await fusionIn.until((items) => items.length === 1, 20_000, 'the scene output');
    const deadline = Date.now() + 20_000;
    while ((await committedOffset(`vpo.it.${config.pipeline.name}.scene`, scene.topic)) !== 1) {
      assert.ok(Date.now() < deadline, 'offset never committed');
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    release();
    await fusionIn.stop();
    await backend.stop();
  }
});

test('bad records and an always-failing message are dead letters; the rest flows', {
  timeout: 90_000,
}, async () => {
  const config = testConfig();
  await createTopics(kafkaBootstrap, config, 2);
  // A stage whose worker fails on 'poison' (the executor dead-letters it), on the transport
  // whose handler for 'crash' always rejects (the transport retries, then dead-letters it).
  const single = { ...config, stages: [{ ...config.stages[0]!, downstream: [] }] };
  const sink = await startTestBackend(kafkaBootstrap, single, {
    scene: {
      process: async (m) => {
        if (m.videoId === 'poison') throw new Error('model crashed');
        return { scores: [1] };
      },
    },
  });
  const raw = await sink.transport.subscribe(
    config.stages[1]!.topic,
    'vpo.it.raw.motion',
    async (messages) => {
      if (messages.some((m) => m.videoId === 'crash')) throw new Error('handler bug');
      await sink.transport.publish(config.topics.output, messages);
    },
  );
  const results = await collect<StageMessage>(kafkaBootstrap, config.topics.output);
  const letters = await collect<DeadLetter>(kafkaBootstrap, config.topics.deadLetter);
  try {
    const topic = single.stages[0]!.topic;
    await produceRaw(kafkaBootstrap, topic, [
      { key: 'x', value: 'this is not json' },
      { key: 'y', value: JSON.stringify({ source: 'file:///no-id', outputs: {} }) },
      encodeMessage(ingested('poison')),
      ...['a', 'b', 'c'].map((id) => encodeMessage(ingested(id))),
    ]);
    await produceRaw(kafkaBootstrap, config.stages[1]!.topic, [
      encodeMessage(ingested('crash')),
      encodeMessage(ingested('d')),
    ]);
    await results.until((r) => r.length >= 4, 30_000, 'four results');
    await letters.until((l) => l.length >= 4, 30_000, 'four dead letters');
    assert.deepEqual(results.items.map((r) => r.videoId).sort(), ['a', 'b', 'c', 'd']);
    const byError = JSON.stringify(letters.items.map((l) => [l.reason, l.stage, l.videoId, l.error]));
    const invalid = letters.items.filter((l) => l.reason === 'InvalidMessage' && l.stage === 'scene');
    assert.equal(invalid.length, 2, byError);
    assert.ok(invalid.some((l) => /not JSON/.test(l.error) && l.original === 'this is not json'));
    assert.ok(invalid.some((l) => /no videoId/.test(l.error)));
    const poison = letters.items.find((l) => l.videoId === 'poison');
    assert.equal(poison?.reason, 'InferenceFailed');
    assert.match(poison?.error ?? '', /model crashed/);
    assert.equal((poison?.original as StageMessage | undefined)?.videoId, 'poison');
    const crash = letters.items.find((l) => l.videoId === 'crash');
    assert.equal(crash?.stage, 'motion');
    assert.equal(crash?.attempts, 2, byError);
    assert.match(crash?.error ?? '', /handler failed 2 times: handler bug/);
  } finally {
    await results.stop();
    await letters.stop();
    await raw.close();
    await sink.stop();
  }
});

test('redelivered and duplicated inputs give exactly one result per video', { timeout: 90_000 }, async () => {
  const config = testConfig();
  await createTopics(kafkaBootstrap, config, 2);
  const results = await collect<StageMessage>(kafkaBootstrap, config.topics.output);
  const ids = Array.from({ length: 20 }, (_, i) => `dup-${i}`);
  const fusion = config.stages[2]!;
  // A redelivery carries the same video: the same source and ingest time.
  const videos = new Map(
    [...ids, 'last'].map((id) => [
      id,
      encodeMessage(ingested(id, { scene: { scores: [1] }, motion: { scores: [0] } })),
    ]),
  );
  const complete = (id: string) => videos.get(id)!;
  let backend = await startTestBackend(kafkaBootstrap, config, { fusion: labelWorker() });
  try {
    // Every video three times over: twice in a row, then again after a restart (a new process
    // with no memory of what it produced).
    await produceRaw(kafkaBootstrap, fusion.topic, [...ids.map(complete), ...ids.map(complete)]);
    await results.until((r) => r.length >= ids.length, 30_000, 'first results');
    await backend.stop();
    backend = await startTestBackend(kafkaBootstrap, config, { fusion: labelWorker() });
    await produceRaw(kafkaBootstrap, fusion.topic, ids.map(complete));
    await produceRaw(kafkaBootstrap, fusion.topic, [complete('last')]);
    await results.until((r) => r.some((m) => m.videoId === 'last'), 30_000, 'the last result');
    await new Promise((r) => setTimeout(r, 1000));
    const counts = countBy(results.items);
    for (const id of [...ids, 'last']) assert.equal(counts.get(id), 1, id);
    assert.ok(backend.transport.duplicatesDropped >= ids.length);
  } finally {
    await results.stop();
    await backend.stop();
  }
});

test('join state is rebuilt after a restart; a join that waits too long is JoinTimeout', {
  timeout: 90_000,
}, async () => {
  const config = testConfig(3000);
  await createTopics(kafkaBootstrap, config, 2);
  const results = await collect<StageMessage>(kafkaBootstrap, config.topics.output);
  const letters = await collect<DeadLetter>(kafkaBootstrap, config.topics.deadLetter);
  const fusion = config.stages[2]!;
  const half = (id: string, stage: string) => encodeMessage(ingested(id, { [stage]: { scores: [1] } }));
  let backend = await startTestBackend(kafkaBootstrap, config, { fusion: labelWorker() });
  try {
    await produceRaw(kafkaBootstrap, fusion.topic, [half('j1', 'scene'), half('j2', 'scene')]);
    await new Promise((r) => setTimeout(r, 1500));
    await backend.stop(); // the join's memory is gone; its inputs were not committed
    backend = await startTestBackend(kafkaBootstrap, config, { fusion: labelWorker() });
    await produceRaw(kafkaBootstrap, fusion.topic, [
      half('j1', 'motion'),
      half('j2', 'motion'),
      half('lonely', 'scene'),
    ]);
    await results.until((r) => r.length >= 2, 30_000, 'joined results');
    assert.deepEqual(results.items.map((r) => r.videoId).sort(), ['j1', 'j2']);
    assert.ok(
      results.items.every((r) => 'scene' in r.outputs && 'motion' in r.outputs && 'fusion' in r.outputs),
    );
    await letters.until((l) => l.some((x) => x.videoId === 'lonely'), 30_000, 'the JoinTimeout letter');
    const timeout = letters.items.find((l) => l.videoId === 'lonely');
    assert.equal(timeout?.reason, 'JoinTimeout');
    assert.equal(timeout?.stage, 'fusion');
    assert.match(timeout?.error ?? '', /motion/);
  } finally {
    await results.stop();
    await letters.stop();
    await backend.stop();
  }
});

test('a result for an id another video already holds is a DuplicateVideoId dead letter, not lost', {
  timeout: 90_000,
}, async () => {
  const config = testConfig();
  await createTopics(kafkaBootstrap, config, 2);
  const results = await collect<StageMessage>(kafkaBootstrap, config.topics.output);
  const letters = await collect<DeadLetter>(kafkaBootstrap, config.topics.deadLetter);
  const fusion = config.stages[2]!;
  const outputs = { scene: { scores: [1] }, motion: { scores: [0] } };
  const first = { ...ingested('claimed', outputs), source: 'https://videos.example/first.mp4' };
  // Another video under the same id (a caller chose it), and a redelivery of the first.
  const second = {
    ...first,
    source: 'https://videos.example/second.mp4',
    ingestedAtMs: first.ingestedAtMs + 1,
  };
  const backend = await startTestBackend(kafkaBootstrap, config, { fusion: labelWorker() });
  try {
    await produceRaw(kafkaBootstrap, fusion.topic, [encodeMessage(first)]);
    await results.until((r) => r.length >= 1, 30_000, 'the first result');
    await produceRaw(kafkaBootstrap, fusion.topic, [encodeMessage(second), encodeMessage(first)]);
    await letters.until((l) => l.some((d) => d.reason === 'DuplicateVideoId'), 30_000, 'the conflict');
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(
      results.items.map((r) => r.source),
      ['https://videos.example/first.mp4'],
    );
    const conflict = letters.items.filter((l) => l.reason === 'DuplicateVideoId');
    assert.equal(conflict.length, 1);
    assert.equal(conflict[0]?.source, 'https://videos.example/second.mp4');
    assert.equal(backend.transport.duplicatesDropped, 1);
  } finally {
    await results.stop();
    await letters.stop();
    await backend.stop();
  }
});

test('a consumer stuck in its handler makes the transport not ready; an idle one stays ready', {
  timeout: 90_000,
}, async () => {
  const config = testConfig();
  await createTopics(kafkaBootstrap, config, 1);
  const { gate, release, inside, started } = handlerGate();
  const single = { ...config, stages: [{ ...config.stages[0]!, downstream: [] }] };
  const stalledAfterMs = 3000;
  const backend = await startTestBackend(
    kafkaBootstrap,
    single,
    {
      scene: {
        process: async (m) => {
          if (m.videoId === 'stuck') {
            started();
            await gate;
          }
          return { scores: [1] };
        },
      },
    },
    undefined,
    200,
    0,
    stalledAfterMs,
  );
  const until = async (what: string, ok: () => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      assert.ok(Date.now() < deadline, what);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  try {
    await until('ready after start', () => backend.transport.connected(), 20_000);
    // Idle for longer than the threshold: its empty fetches are progress.
    await new Promise((r) => setTimeout(r, stalledAfterMs + 2000));
    assert.equal(backend.transport.connected(), true, 'an idle consumer is not stalled');
    await produceRaw(kafkaBootstrap, config.stages[0]!.topic, [encodeMessage(ingested('stuck'))]);
    await inside;
    await until('not ready while its handler is stuck', () => !backend.transport.connected(), 15_000);
    release();
    await until('ready again once it moves', () => backend.transport.connected(), 15_000);
  } finally {
    release();
    await backend.stop();
  }
});
