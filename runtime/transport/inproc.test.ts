import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InProcTransport } from './inproc.ts';
import type { DeadLetter, StageMessage } from './transport.ts';

function msg(videoId: string): StageMessage {
  return { videoId, source: `file:///${videoId}.mp4`, ingestedAtMs: 0, outputs: {} };
}

/** A promise with its resolver, to hold a handler open without timers. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Let pending microtasks and immediate callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

test('delivers published messages in order, in batches of at most maxBatch', async () => {
  const t = new InProcTransport({ capacityPerTopic: 100 });
  await t.publish('a', ['1', '2', '3', '4', '5'].map(msg));
  const batches: string[][] = [];
  const all = gate();
  await t.subscribe(
    'a',
    'g',
    async (ms) => {
      batches.push(ms.map((m) => m.videoId));
      if (batches.flat().length === 5) all.open();
    },
    { maxBatch: 2 },
  );
  await all.promise;
  assert.deepEqual(batches, [['1', '2'], ['3', '4'], ['5']]);
  await t.close();
});

test('publish waits for space until the handler acknowledges (backpressure)', async () => {
  const t = new InProcTransport({ capacityPerTopic: 2 });
  const hold = gate();
  const seen: string[] = [];
  await t.subscribe('a', 'g', async (ms) => {
    seen.push(...ms.map((m) => m.videoId));
    await hold.promise;
  });
  let published = false;
  const publishing = t.publish('a', ['1', '2', '3'].map(msg)).then(() => {
    published = true;
  });
  await settle();
  // '1' is in flight (unacknowledged), '2' queued: the topic is full, '3' must wait.
  assert.equal(published, false);
  assert.equal(t.depth('a'), 2);
  hold.open();
  await publishing;
  assert.equal(published, true);
  await settle();
  assert.deepEqual(seen, ['1', '2', '3']);
  await t.close();
});

test('pause stops delivery and resume restarts it', async () => {
  const t = new InProcTransport({ capacityPerTopic: 10 });
  const seen: string[] = [];
  const sub = await t.subscribe('a', 'g', async (ms) => {
    seen.push(...ms.map((m) => m.videoId));
  });
  sub.pause();
  await t.publish('a', [msg('1')]);
  await settle();
  assert.deepEqual(seen, []);
  sub.resume();
  await settle();
  await settle();
  assert.deepEqual(seen, ['1']);
  await t.close();
});

test('each group gets every message; a group shares them among its subscribers', async () => {
  const t = new InProcTransport({ capacityPerTopic: 10 });
  const g1: string[] = [];
  const g2: string[] = [];
  await t.subscribe('a', 'g1', async (ms) => void g1.push(...ms.map((m) => m.videoId)));
  await t.subscribe('a', 'g2', async (ms) => void g2.push(...ms.map((m) => m.videoId)));
  await t.subscribe('a', 'g2', async (ms) => void g2.push(...ms.map((m) => m.videoId)));
  await t.publish('a', ['1', '2', '3'].map(msg));
  await settle();
  await settle();
  assert.deepEqual(g1, ['1', '2', '3']);
  assert.deepEqual([...g2].sort(), ['1', '2', '3']);
  await t.close();
});

test('a message whose handler keeps failing is redelivered, then dead-lettered; the topic goes on', async () => {
  const t = new InProcTransport({ capacityPerTopic: 10, maxDeliveries: 2, logger: { error() {} } });
  const letters: DeadLetter[] = [];
  const got = gate();
  t.subscribeDeadLetters(async (ls) => {
    letters.push(...ls);
    got.open();
  });
  const ok: string[] = [];
  let attempts = 0;
  await t.subscribe('a', 'stage-x', async (ms) => {
    if (ms[0]?.videoId === 'poison') {
      attempts++;
      throw new Error('boom');
    }
    ok.push(...ms.map((m) => m.videoId));
  });
  await t.publish('a', [msg('poison'), msg('fine')]);
  await got.promise;
  await settle();
  assert.equal(attempts, 2);
  assert.deepEqual(ok, ['fine']);
  assert.equal(letters.length, 1);
  assert.equal(letters[0]?.videoId, 'poison');
  assert.equal(letters[0]?.reason, 'InvalidMessage');
  assert.equal(letters[0]?.stage, 'stage-x');
  assert.equal(t.depth('a'), 0);
  await t.close();
});

test('publish after close rejects instead of hanging', async () => {
  const t = new InProcTransport({ capacityPerTopic: 1 });
  await t.subscribe('a', 'g', async () => {});
  await t.close();
  await assert.rejects(t.publish('a', [msg('1')]), /closed/);
});

test('a dead letter that cannot be published is reported, not swallowed', async () => {
  const errors: string[] = [];
  const t = new InProcTransport({
    capacityPerTopic: 1,
    maxDeliveries: 1,
    logger: { error: (m) => errors.push(m) },
  });
  // Nobody reads dead letters: the first fills the channel, the second waits for space.
  await t.subscribe('a', 'stage-x', async () => {
    throw new Error('boom');
  });
  await t.publish('a', [msg('p1')]);
  await t.publish('a', [msg('p2')]);
  await settle();
  await t.close();
  await settle();
  assert.ok(
    errors.some((e) => /1 failed message\(s\) lost: their dead letters failed: transport closed/.test(e)),
    errors.join('\n'),
  );
});
