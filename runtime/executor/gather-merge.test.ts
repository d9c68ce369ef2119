import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StageMessage } from '../transport/transport.ts';
import { gatheredResult, mergeTextLines } from './gather-merge.ts';

function read(i: number, text: string, score: number, frame: number, y: number, x = 0): StageMessage {
  return {
    videoId: 'v',
    source: 's',
    ingestedAtMs: 1,
    frameRef: 'v.0000000000000000',
    outputs: { scene: { label: 'dark' }, detect: { score: 0.9 }, read: { text, score } },
    itemCount: 5,
    item: i,
    region: { frame, x, y, width: 10, height: 4 },
  };
}

test('identical lines merge across frames; low scores and empty text are dropped; first seen first', () => {
  const lines = mergeTextLines(
    [
      read(0, 'second', 0.9, 1, 50),
      read(1, 'Breaking  news ', 0.8, 2, 10),
      read(2, 'Breaking news', 0.95, 1, 10, 3),
      read(3, 'noise', 0.3, 1, 70),
      read(4, '  ', 0.99, 0, 0),
    ],
    'read',
    0.5,
  );
  assert.deepEqual(lines, [
    {
      text: 'Breaking news',
      score: 0.95,
      frames: [1, 2],
      boxes: [
        { frame: 2, x: 0, y: 10, width: 10, height: 4 },
        { frame: 1, x: 3, y: 10, width: 10, height: 4 },
      ],
    },
    { text: 'second', score: 0.9, frames: [1], boxes: [{ frame: 1, x: 0, y: 50, width: 10, height: 4 }] },
  ]);
});

test('the result keeps what was known before the fan-out and drops the per-item fields', () => {
  const items = [read(0, 'a', 0.9, 0, 0), read(1, 'b', 0.9, 0, 9)];
  const options = { merge: 'items' as const, itemStages: ['read', 'detect'], textStage: 'read', minScore: 0 };
  const result = gatheredResult(items[1]!, items, 'collect', options);
  assert.equal(result.item, undefined);
  assert.equal(result.itemCount, undefined);
  assert.equal(result.region, undefined);
  assert.equal(result.frameRef, 'v.0000000000000000');
  assert.deepEqual(Object.keys(result.outputs), ['scene', 'collect']);
  const gathered = result.outputs.collect as { items: { index: number; outputs: object }[] };
  assert.deepEqual(
    gathered.items.map((i) => [i.index, Object.keys(i.outputs)]),
    [
      [0, ['read', 'detect']],
      [1, ['read', 'detect']],
    ],
  );
});
