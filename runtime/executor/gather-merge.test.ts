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

test('words of one line read from separate boxes are joined left to right; other lines stay apart', () => {
  const word = (i: number, text: string, score: number, x: number, y: number, width: number) => ({
    ...read(i, text, score, 0, y, x),
    region: { frame: 0, x, y, width, height: 20 },
  });
  const lines = mergeTextLines(
    [
      word(0, 'NEWS', 0.99, 200, 100, 80),
      word(1, 'BREAKING', 0.93, 40, 102, 150),
      word(2, 'TONIGHT', 0.97, 290, 99, 120),
      word(3, 'below', 0.9, 40, 140, 60), // the next line down
      word(4, 'far', 0.9, 600, 100, 40), // on the same row, but a column apart
    ],
    'read',
    0.5,
  );
  assert.deepEqual(
    lines.map((l) => [l.text, l.score, l.boxes]),
    [
      ['BREAKING NEWS TONIGHT', 0.93, [{ frame: 0, x: 40, y: 99, width: 370, height: 23 }]],
      ['far', 0.9, [{ frame: 0, x: 600, y: 100, width: 40, height: 20 }]],
      ['below', 0.9, [{ frame: 0, x: 40, y: 140, width: 60, height: 20 }]],
    ],
  );
});
