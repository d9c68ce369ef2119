import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latenciesMs, p99LatencyMs, percentile } from './percentile.ts';

test('nearest-rank percentiles', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted
  assert.equal(percentile(hundred, 99), 99);
  assert.equal(percentile(hundred, 100), 100);
  assert.equal(percentile(hundred, 50), 50);
  assert.equal(percentile([7], 99), 7);
  assert.equal(percentile([1, 2, 3, 1000], 99), 1000);
  assert.equal(percentile([], 99), undefined);
});

test('latency is record timestamp minus ingestedAtMs; records without it are skipped', () => {
  const records = [
    { timestampMs: 5000, value: JSON.stringify({ videoId: 'a', ingestedAtMs: 1000 }) },
    { timestampMs: 5000, value: JSON.stringify({ videoId: 'b' }) },
    { timestampMs: 5000, value: 'not json' },
    { timestampMs: 900, value: JSON.stringify({ videoId: 'c', ingestedAtMs: 1000 }) },
  ];
  assert.deepEqual(latenciesMs(records), [4000, 0]);
  assert.equal(p99LatencyMs(records), 4000);
  assert.equal(p99LatencyMs(records.slice(1, 3)), undefined);
});
