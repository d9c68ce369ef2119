import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeClock } from '../clock.ts';
import { createWorkQueue } from './queue.ts';

const options = { baseBackoffMs: 100, maxBackoffMs: 1000 };

test('a key added twice while waiting is handed out once', async () => {
  const q = createWorkQueue(fakeClock(), options);
  q.add('a');
  q.add('a');
  q.add('b');
  assert.equal(q.depth(), 2);
  assert.equal(await q.next(), 'a');
  assert.equal(await q.next(), 'b');
});

test('a key in flight is not handed out again; added meanwhile, it comes back after done', async () => {
  const q = createWorkQueue(fakeClock(), options);
  q.add('a');
  const key = await q.next();
  q.add('a');
  assert.equal(q.depth(), 0, 'not ready while in flight');
  q.done(key!);
  assert.equal(q.depth(), 1);
  assert.equal(await q.next(), 'a');
});

test('failures back off per key, exponentially and capped; forget resets', async () => {
  const clock = fakeClock();
  const q = createWorkQueue(clock, options);
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    q.fail('a');
    let waited = 0;
    while (q.depth() === 0) {
      clock.advance(50);
      waited += 50;
    }
    delays.push(waited);
    q.done((await q.next())!);
  }
  assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
  q.forget('a');
  q.fail('a');
  clock.advance(100);
  assert.equal(q.depth(), 1);
});

test('a waiting next() gets the next key; shutDown releases waiters', async () => {
  const q = createWorkQueue(fakeClock(), options);
  const pending = q.next();
  q.add('x');
  assert.equal(await pending, 'x');
  const blocked = q.next();
  q.shutDown();
  assert.equal(await blocked, undefined);
});

test('addAfter keeps the earliest wake-up', () => {
  const clock = fakeClock();
  const q = createWorkQueue(clock, options);
  q.addAfter('a', 500);
  q.addAfter('a', 200);
  clock.advance(200);
  assert.equal(q.depth(), 1);
});
