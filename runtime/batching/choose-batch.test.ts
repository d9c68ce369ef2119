import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BatchInput, chooseBatch, largestBatchWithin } from './choose-batch.ts';

// ℓ(b) = 10 + 5b ms
const latencyFit = { alphaMs: 10, betaMs: 5 };
const queueOf = (n: number, deadlineMs: number, enqueuedAtMs = 0) =>
  Array.from({ length: n }, (_, i) => ({ deadlineMs: deadlineMs + i, enqueuedAtMs }));
const base = (over: Partial<BatchInput>): BatchInput => ({
  queue: [],
  nowMs: 0,
  plannedBatch: 8,
  latencyFit,
  maxQueueDelayMs: 20,
  latePolicy: 'process',
  ...over,
});

test('an empty queue is idle', () => {
  assert.deepEqual(chooseBatch(base({})), { action: 'idle' });
});

test('largestBatchWithin respects the slack and the limit', () => {
  assert.equal(largestBatchWithin(latencyFit, 40, 100), 6);
  assert.equal(largestBatchWithin(latencyFit, 40, 4), 4);
  assert.equal(largestBatchWithin(latencyFit, 14, 100), 0);
});

test('a full queue runs the planned batch, never more', () => {
  assert.deepEqual(chooseBatch(base({ queue: queueOf(20, 1000) })), { action: 'run', count: 8, late: false });
});

test('a tight head deadline shrinks the batch to what still meets it when no more are waiting', () => {
  // slack 40 ms → ℓ(6) = 40 fits, ℓ(7) = 45 does not
  assert.deepEqual(chooseBatch(base({ queue: queueOf(6, 140), nowMs: 100 })), {
    action: 'run',
    count: 6,
    late: false,
  });
  assert.deepEqual(chooseBatch(base({ queue: queueOf(20, 140), nowMs: 100, latePolicy: 'deadLetter' })), {
    action: 'run',
    count: 6,
    late: false,
  });
});

test('a backlog behind a tight head runs the planned batch under the process policy', () => {
  // slack 40 ms: ℓ(8) = 50 makes the head 10 ms late, but 14 more are waiting behind it
  assert.deepEqual(chooseBatch(base({ queue: queueOf(20, 140), nowMs: 100 })), {
    action: 'run',
    count: 8,
    late: true,
  });
  // one more than fits: the head is late by 5 ms rather than leaving one for a whole extra batch
  assert.deepEqual(chooseBatch(base({ queue: queueOf(7, 140), nowMs: 100 })), {
    action: 'run',
    count: 7,
    late: true,
  });
});

test('a short queue waits until maxQueueDelay, then flushes what it has', () => {
  const queue = queueOf(3, 10_000, 100);
  assert.deepEqual(chooseBatch(base({ queue, nowMs: 105 })), { action: 'wait', waitMs: 15 });
  assert.deepEqual(chooseBatch(base({ queue, nowMs: 120 })), { action: 'run', count: 3, late: false });
});

test('a short queue flushes early when waiting longer would miss the head deadline', () => {
  // planned 8: ℓ(8) = 50; head deadline 160 → must start by 110, before maxQueueDelay (120)
  const queue = queueOf(2, 160, 100);
  assert.deepEqual(chooseBatch(base({ queue, nowMs: 102 })), { action: 'wait', waitMs: 8 });
  assert.deepEqual(chooseBatch(base({ queue, nowMs: 110 })), { action: 'run', count: 2, late: false });
});

test('late requests are processed at once under the process policy', () => {
  const queue = queueOf(3, 105);
  assert.deepEqual(chooseBatch(base({ queue, nowMs: 100 })), { action: 'run', count: 3, late: true });
});

test('late requests expire under the deadLetter policy, the rest stay', () => {
  const queue = [
    { deadlineMs: 101, enqueuedAtMs: 0 },
    { deadlineMs: 110, enqueuedAtMs: 0 },
    { deadlineMs: 500, enqueuedAtMs: 0 },
  ];
  assert.deepEqual(chooseBatch(base({ queue, nowMs: 100, latePolicy: 'deadLetter' })), {
    action: 'expire',
    count: 2,
  });
});

test('largestBatchWithin equals the plain scan for any fit (closed form)', () => {
  const scan = (fit: { alphaMs: number; betaMs: number }, slack: number, limit: number) => {
    let best = 0;
    for (let b = 1; b <= limit; b++) if (fit.alphaMs + fit.betaMs * b <= slack) best = b;
    return best;
  };
  for (const alphaMs of [0, 0.3, 10, 1e-9])
    for (const betaMs of [0, 0.1, 1 / 3, 5, 7.7])
      for (const slack of [-5, 0, 0.2, 10, 10.1, 40, 1000])
        for (const limit of [0, 1, 7, 64])
          assert.equal(
            largestBatchWithin({ alphaMs, betaMs }, slack, limit),
            scan({ alphaMs, betaMs }, slack, limit),
            `${alphaMs} ${betaMs} ${slack} ${limit}`,
          );
});
