import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  arrangeFrames,
  assignFrames,
  assignInOrder,
  sampleTimesSeconds,
  selectExpression,
} from './sampling.ts';

test('targets are the centres of equal parts of the clip', () => {
  assert.deepEqual(sampleTimesSeconds(1, 4, 4), [1.5, 2.5, 3.5, 4.5]);
});

test('each slot takes the first frame at or after its time; extra slots repeat deterministically', () => {
  const frameTimes = [0, 0.5, 1];
  const a = assignFrames([0.1, 0.2, 0.6, 0.9, 1.4], frameTimes);
  assert.deepEqual(a.frameIndex, [1, 1, 2, 2, 2]);
  assert.equal(a.repeatedFrames, 3);
  assert.deepEqual(assignFrames([0, 0.5, 1], frameTimes), { frameIndex: [0, 1, 2], repeatedFrames: 0 });
  assert.throws(() => assignFrames([0], []), RangeError);
});

test('seek sampling repeats the last frame for seeks past the end', () => {
  assert.deepEqual(assignInOrder(4, 2), { frameIndex: [0, 1, 1, 1], repeatedFrames: 2 });
});

test('frames are copied into slot order', () => {
  const decoded = Uint8Array.from([1, 1, 2, 2]);
  assert.deepEqual([...arrangeFrames(decoded, 2, [1, 0, 1])], [2, 2, 1, 1, 2, 2]);
});

test('the select expression has one escaped term per target', () => {
  const expr = selectExpression([0.25, 0.75]);
  assert.equal(expr.match(/gte\(t\\,/g)?.length, 2);
  assert.ok(expr.includes('0.750000'));
  assert.ok(!/[^\\],/.test(expr), 'every comma is escaped for the filter graph');
});
