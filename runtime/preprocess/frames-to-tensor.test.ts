import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StageError } from '../inference/errors.ts';
import { framesToTensor, pickFrames, stagesToTensor } from './frames-to-tensor.ts';
import { batchDims, type FrameInputSpec, type Frames, itemDims } from './input-spec.ts';

// 4 frames of 2x2; pixel value = 10·frame + channel (+ 100 for the right column)
function frames(f = 4, h = 2, w = 2): Frames {
  const data = new Uint8Array(f * h * w * 3);
  for (let i = 0; i < f; i++)
    for (let p = 0; p < h * w; p++)
      for (let c = 0; c < 3; c++) data[(i * h * w + p) * 3 + c] = 10 * i + c + (p % w) * 100;
  return { data, dims: [f, h, w, 3] };
}
const spec = (over: Partial<FrameInputSpec> = {}): FrameInputSpec => ({
  source: 'frames',
  layout: 'NFCHW',
  frames: 2,
  width: 2,
  height: 2,
  ...over,
});

test('pickFrames spreads frames uniformly', () => {
  assert.deepEqual(pickFrames(16, 4), [2, 6, 10, 14]);
  assert.deepEqual(pickFrames(4, 4), [0, 1, 2, 3]);
});

test('NFCHW: frames, then channels, then pixels, scaled to 0..1', () => {
  const t = framesToTensor(frames(), spec());
  // picks frames 1 and 3; [f][c][y][x]
  assert.deepEqual(
    Array.from(t, (v) => Math.round(v * 255)),
    [
      10, 110, 10, 110, 11, 111, 11, 111, 12, 112, 12, 112, 30, 130, 30, 130, 31, 131, 31, 131, 32, 132, 32,
      132,
    ],
  );
});

test('NCFHW puts channels first; mean/std normalise per channel', () => {
  const t = framesToTensor(frames(), spec({ layout: 'NCFHW', mean: [0.5, 0, 0], std: [0.5, 1, 2] }));
  assert.equal(t.length, 24);
  assert.ok(Math.abs(t[0]! - (10 / 255 - 0.5) / 0.5) < 1e-6); // c0 f0
  assert.ok(Math.abs(t[4]! - (30 / 255 - 0.5) / 0.5) < 1e-6); // c0 f1
  assert.ok(Math.abs(t[16]! - 12 / 255 / 2) < 1e-6); // c2 f0
});

test('shapes per layout; NCHW folds frames into the batch', () => {
  assert.deepEqual(itemDims(spec({ layout: 'NCFHW' })), [3, 2, 2, 2]);
  assert.deepEqual(batchDims(spec(), 3), [3, 2, 3, 2, 2]);
  assert.deepEqual(batchDims(spec({ layout: 'NCHW' }), 3), [6, 3, 2, 2]);
});

test('wrong size, too few frames or a broken buffer are InputMismatch', () => {
  const mismatch = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(
      fn,
      (err: Error) =>
        err instanceof StageError && err.reason === 'InputMismatch' && pattern.test(err.message),
    );
  mismatch(() => framesToTensor(frames(4, 2, 2), spec({ width: 4 })), /2x2, the model input wants 4x2/);
  mismatch(() => framesToTensor(frames(1), spec()), /wants 2 frames, only 1/);
  mismatch(
    () => framesToTensor({ data: new Uint8Array(5), dims: [1, 2, 2, 3] }, spec({ frames: 1 })),
    /uint8 RGB/,
  );
});

test('stages: scores concatenated in input order, length checked', () => {
  assert.deepEqual(Array.from(stagesToTensor([[0.5, 0.25], [1]], 3)), [0.5, 0.25, 1]);
  assert.throws(() => stagesToTensor([[0.5]], 5), /1 values, the model wants 5/);
  assert.throws(() => stagesToTensor([[Number.NaN]]), /not finite/);
});
