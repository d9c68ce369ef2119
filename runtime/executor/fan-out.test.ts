import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Detection } from '../backend/decode-output.ts';
import { InProcTransport } from '../transport/inproc.ts';
import type { StageMessage } from '../transport/transport.ts';
import { startExecutor } from './executor.ts';
import {
  CountingFrames,
  FakeClock,
  FakeIngestor,
  FakeWorker,
  quietLogger,
  reasonError,
  Settled,
  textConfig,
} from './fixtures.test-support.ts';

// Boxes by video: `none` has no text; `caption` the same line on two frames and another below.
const boxes: Record<string, Detection[]> = {
  none: [],
  caption: [
    { frame: 0, x: 10, y: 40, width: 50, height: 8, score: 0.9 },
    { frame: 2, x: 11, y: 40, width: 50, height: 8, score: 0.8 },
    { frame: 0, x: 10, y: 60, width: 30, height: 8, score: 0.7 },
  ],
  poison: [
    { frame: 1, x: 0, y: 0, width: 5, height: 5, score: 0.9 },
    { frame: 1, x: 0, y: 9, width: 5, height: 5, score: 0.9 },
  ],
};

function harness() {
  const config = textConfig();
  const transport = new InProcTransport({ capacityPerTopic: config.limits.queueCapacity });
  const frames = new CountingFrames();
  const clock = new FakeClock();
  const ingestor = new FakeIngestor(frames);
  const workers = {
    detect: new FakeWorker((m) => ({ items: boxes[m.videoId] ?? [] })),
    read: new FakeWorker((m) => {
      if (m.videoId === 'poison' && m.item === 1) throw reasonError('InputMismatch');
      return { text: m.region!.y === 60 ? 'second line' : ' Breaking  news ', score: 0.95 };
    }),
  };
  const settled = new Settled();
  const ctx = { config, transport, frames, clock, logger: quietLogger };
  const start = async () => {
    await transport.subscribe(config.topics.output, 'results', settled.onResults, { maxBatch: 8 });
    transport.subscribeDeadLetters(settled.onLetters);
    return startExecutor(ctx, { ingestor, workers, gathers: ['collect'] });
  };
  const submit = (ids: string[]) =>
    transport.publish(
      config.topics.source,
      ids.map(
        (id): StageMessage => ({
          videoId: id,
          source: `file:///${id}`,
          ingestedAtMs: clock.now,
          outputs: {},
        }),
      ),
    );
  return { config, transport, frames, clock, workers, settled, start, submit };
}

test('a detector fans out one message per item; the gather gives one result per video, empty included', async () => {
  const h = harness();
  const executor = await h.start();
  await h.submit(['caption', 'none']);
  await h.settled.waitFor(2);
  assert.deepEqual(h.settled.letters, []);
  const caption = h.settled.results.get('caption');
  assert.deepEqual(caption?.outputs, {
    collect: {
      lines: [
        {
          text: 'Breaking news',
          score: 0.95,
          frames: [0, 2],
          boxes: [
            { frame: 0, x: 10, y: 40, width: 50, height: 8 },
            { frame: 2, x: 11, y: 40, width: 50, height: 8 },
          ],
        },
        {
          text: 'second line',
          score: 0.95,
          frames: [0],
          boxes: [{ frame: 0, x: 10, y: 60, width: 30, height: 8 }],
        },
      ],
    },
  });
  for (const field of ['item', 'itemCount', 'region'] as const) assert.equal(caption?.[field], undefined);
  assert.deepEqual(h.settled.results.get('none')?.outputs, { collect: { lines: [] } });
  // read ran once per item, never for the video without items; each item carried its region
  const reads = h.workers.read.seen;
  assert.equal(reads.length, 3);
  assert.deepEqual(
    reads.map((m) => [m.videoId, m.item, m.itemCount, m.region?.frame]),
    [
      ['caption', 0, 3, 0],
      ['caption', 1, 3, 2],
      ['caption', 2, 3, 0],
    ],
  );
  // detect's hold, then one read hold per item: all released (once the inputs are acknowledged,
  // which may come just after the result)
  for (let waited = 0; h.frames.holds.get('ref-caption') !== 0 && waited < 2000; waited += 5)
    await new Promise((r) => setTimeout(r, 5));
  assert.equal(h.frames.holds.get('ref-caption'), 0);
  assert.equal(h.frames.holds.get('ref-none'), 0);
  await executor.stop();
  await h.transport.close();
});

test('an item that fails is a dead letter; its video times out at the gather, frames released', async () => {
  const h = harness();
  const executor = await h.start();
  await h.submit(['poison', 'caption']);
  await h.settled.waitFor(2);
  assert.deepEqual(
    h.settled.letters.map((l) => [l.videoId, l.stage, l.reason]),
    [['poison', 'read', 'InputMismatch']],
  );
  assert.equal(h.frames.holds.get('ref-poison'), 0);
  await executor.expireJoins(h.clock.now + 1000);
  assert.equal(h.settled.letters.length, 1);
  await executor.expireJoins(h.clock.now + 1001);
  const timeout = h.settled.letters[1];
  assert.deepEqual([timeout?.videoId, timeout?.stage, timeout?.reason], ['poison', 'collect', 'JoinTimeout']);
  assert.match(timeout?.error ?? '', /still missing 1 of 2 items after 1000 ms/);
  assert.ok(h.settled.results.has('caption'));
  await executor.stop();
  await h.transport.close();
});

test('the gather counts a redelivered item once and answers a late one with the same result', async () => {
  const h = harness();
  const executor = await h.start();
  const item = (i: number): StageMessage => ({
    videoId: 'dup',
    source: 'file:///dup',
    ingestedAtMs: 5,
    outputs: { read: { text: `line ${i}`, score: 0.9 } },
    itemCount: 2,
    item: i,
    region: { frame: 0, x: 0, y: 10 * i, width: 4, height: 4 },
  });
  const results: StageMessage[] = [];
  await h.transport.subscribe(h.config.topics.output, 'all-results', async (m) => {
    results.push(...m);
  });
  await h.transport.publish('t.collect', [item(0), item(0)]);
  await h.transport.publish('t.collect', [item(1)]);
  await h.settled.waitFor(1);
  await h.transport.publish('t.collect', [item(1)]);
  for (let waited = 0; results.length < 2 && waited < 2000; waited += 5)
    await new Promise((r) => setTimeout(r, 5));
  assert.equal(results.length, 2, 'the late item gets the result again');
  assert.deepEqual(results[1], results[0]);
  assert.deepEqual(
    (results[0]!.outputs.collect as { lines: { text: string }[] }).lines.map((l) => l.text),
    ['line 0', 'line 1'],
  );
  await executor.expireJoins(h.clock.now + 10_000);
  assert.deepEqual(h.settled.letters, []);
  await executor.stop();
  await h.transport.close();
});
