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

test('a tight head deadline shrinks the batch to what still meets it', () => {
  // slack 40 ms → ℓ(6) = 40 fits, ℓ(7) = 45 does not
  assert.deepEqual(chooseBatch(base({ queue: queueOf(20, 140), nowMs: 100 })), {
    action: 'run',
    count: 6,
    late: false,
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
