import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DB_TEXT_DEFAULTS, decodeDbText } from './db-text.ts';

/** A probability map with rectangles of probability `p` (x, y, w, h) on a zero background. */
function map(width: number, height: number, rects: [number, number, number, number, number][]): Float32Array {
  const prob = new Float32Array(width * height);
  for (const [x, y, w, h, p] of rects)
    for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) prob[yy * width + xx] = p;
  return prob;
}

test('each text kernel becomes a box grown by area × ratio / perimeter, top to bottom', () => {
  // A 40×6 kernel: distance = 240 × 1.5 / 92 = 3.91 px on every side; 20×4: 80 × 1.5 / 48 = 2.5.
  const prob = map(100, 50, [
    [30, 30, 20, 4, 0.8],
    [10, 10, 40, 6, 0.9],
  ]);
  const boxes = decodeDbText(prob, 100, 50);
  assert.deepEqual(
    boxes.map(({ x, y, width, height }) => [x, y, width, height]),
    [
      [6, 6, 48, 14],
      [28, 28, 25, 9],
    ],
  );
  assert.ok(Math.abs(boxes[0]!.score - 0.9) < 1e-6);
});

test('weak, tiny and below-threshold regions are dropped; boxes stay inside the map', () => {
  const prob = map(60, 20, [
    [2, 2, 20, 5, 0.5], // above threshold, but its mean 0.5 < boxThreshold 0.6
    [30, 2, 2, 10, 0.9], // 2 px wide: under minSizePx
    [40, 10, 20, 10, 0.2], // under threshold
    [50, 0, 10, 6, 0.95], // at the corner: the grown box is clipped
  ]);
  const boxes = decodeDbText(prob, 60, 20);
  assert.equal(boxes.length, 1);
  const [box] = boxes;
  assert.equal(box!.x + box!.width, 60);
  assert.equal(box!.y, 0);
});

test('8-connected pixels are one region; maxBoxes keeps the best scores', () => {
  const prob = map(40, 40, [
    [0, 0, 5, 5, 0.7],
    [5, 5, 5, 5, 0.7], // touches the first at a corner
    [20, 20, 6, 6, 0.9],
  ]);
  // the corner-touching pair is one region; its box is half empty (mean 0.35)
  const lenient = { ...DB_TEXT_DEFAULTS, boxThreshold: 0.3 };
  assert.deepEqual(
    decodeDbText(prob, 40, 40, lenient).map((b) => b.width),
    [14, 10],
  );
  assert.equal(decodeDbText(prob, 40, 40).length, 1);
  const best = decodeDbText(prob, 40, 40, { ...lenient, maxBoxes: 1 });
  assert.equal(best.length, 1);
  assert.ok(best[0]!.score > 0.85);
  assert.throws(() => decodeDbText(prob, 40, 39), /1600 values, expected 40×39/);
});

test('a box grows sideways only to the middle of the gap to the next word on its line', () => {
  // Two 60×10 kernels 10 px apart: the unclip distance (600 × 1.5 / 140 = 6.4 px) would reach
  // 1.6 px into the neighbour; each box stops at the gap's middle (x = 75) instead.
  const prob = map(200, 40, [
    [10, 15, 60, 10, 0.9],
    [80, 15, 60, 10, 0.9],
    [20, 0, 10, 2, 0.9], // above the line: no limit on it, and too thin to be kept
  ]);
  const boxes = decodeDbText(prob, 200, 40);
  assert.deepEqual(
    boxes.map(({ x, y, width, height }) => [x, y, width, height]),
    [
      [4, 9, 71, 22],
      [75, 9, 71, 22],
    ],
  );
});
