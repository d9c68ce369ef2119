import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProduceBatcher, type TopicRecords } from './produce-batcher.ts';

type Rec = { key: string; value: string };
const rec = (key: string, bytes = 10): Rec => ({ key, value: 'x'.repeat(bytes) });

function recorder(fail: (batch: TopicRecords<Rec>[]) => Error | undefined = () => undefined) {
  const requests: TopicRecords<Rec>[][] = [];
  let release: (() => void) | undefined;
  let hold = false;
  const batcher = new ProduceBatcher<Rec>({
    sendBatch: async (batch) => {
      requests.push(batch);
      if (hold) await new Promise<void>((r) => (release = r));
      const error = fail(batch);
      if (error) throw error;
    },
    maxRecords: 5,
    maxBytes: 100,
    sizeOf: (r) => r.value.length,
  });
  return {
    batcher,
    requests,
    holdNext() {
      hold = true;
    },
    release() {
      hold = false;
      release?.();
    },
  };
}

const keys = (batch: TopicRecords<Rec>[]) =>
  batch.map((t) => `${t.topic}:${t.messages.map((m) => m.key).join(',')}`);

test('sends made in the same turn go out as one request, per topic in send order', async () => {
  const r = recorder();
  await Promise.all([
    r.batcher.send('a', [rec('1')]),
    r.batcher.send('b', [rec('2')]),
    r.batcher.send('a', [rec('3')]),
  ]);
  assert.deepEqual(r.requests.map(keys), [['a:1,3', 'b:2']]);
});

test('sends made while a request is in flight go out together when it returns', async () => {
  const r = recorder();
  r.holdNext();
  const first = r.batcher.send('a', [rec('1')]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(r.requests.length, 1);
  const later = [r.batcher.send('a', [rec('2')]), r.batcher.send('a', [rec('3')])];
  r.release();
  await Promise.all([first, ...later]);
  assert.deepEqual(r.requests.map(keys), [['a:1'], ['a:2,3']]);
});

test('a combined request stays within the record and byte bounds; a larger send goes alone', async () => {
  const r = recorder();
  await Promise.all([
    r.batcher.send('a', [rec('1'), rec('2'), rec('3')]),
    r.batcher.send('a', [rec('4'), rec('5'), rec('6')]), // 6 records > 5: next request
    r.batcher.send('b', [rec('big', 150)]), // over the byte bound alone
    r.batcher.send('b', [rec('7')]),
  ]);
  assert.deepEqual(r.requests.map(keys), [['a:1,2,3'], ['a:4,5,6'], ['b:big'], ['b:7']]);
});

test('a combined request that fails is sent again send by send: only the refused send fails', async () => {
  const refused = Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE', retriable: false });
  const r = recorder((batch) =>
    batch.some((t) => t.messages.some((m) => m.key === 'bad')) ? refused : undefined,
  );
  const results = await Promise.allSettled([
    r.batcher.send('a', [rec('ok1')]),
    r.batcher.send('a', [rec('bad')]),
    r.batcher.send('b', [rec('ok2')]),
  ]);
  assert.deepEqual(
    results.map((x) => x.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.equal((results[1] as PromiseRejectedResult).reason, refused);
  assert.deepEqual(r.requests.map(keys), [['a:ok1,bad', 'b:ok2'], ['a:ok1'], ['a:bad'], ['b:ok2']]);
});

test('a send alone that fails rejects with the error as it came; the batcher keeps sending', async () => {
  let down = true;
  const r = recorder(() => (down ? new Error('broker away') : undefined));
  await assert.rejects(r.batcher.send('a', [rec('1')]), /broker away/);
  down = false;
  await r.batcher.send('a', [rec('2')]);
  assert.deepEqual(r.requests.map(keys), [['a:1'], ['a:2']]);
  assert.deepEqual(await r.batcher.send('a', []), undefined);
  assert.equal(r.requests.length, 2);
});
