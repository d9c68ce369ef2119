import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StageError } from '../inference/errors.ts';
import { cropRegion, cropToTensor, scaledWidth } from './crop-to-tensor.ts';
import type { FrameInputSpec, Frames } from './input-spec.ts';

// 2 frames of 6×4; red = x, green = y, blue = frame.
function frames(): Frames {
  const data = new Uint8Array(2 * 4 * 6 * 3);
  for (let f = 0; f < 2; f++)
    for (let y = 0; y < 4; y++) for (let x = 0; x < 6; x++) data.set([x, y, f], ((f * 4 + y) * 6 + x) * 3);
  return { data, dims: [2, 4, 6, 3] };
}

const spec = (width: number, height: number): FrameInputSpec => ({
  source: 'frames',
  layout: 'NCHW',
  frames: 1,
  width,
  height,
});

test('a region is cut from its frame, only its bytes copied', () => {
  const crop = cropRegion(frames(), { frame: 1, x: 2, y: 1, width: 3, height: 2 });
  assert.deepEqual(crop.dims, [1, 2, 3, 3]);
  assert.deepEqual(Array.from(crop.data), [2, 1, 1, 3, 1, 1, 4, 1, 1, 2, 2, 1, 3, 2, 1, 4, 2, 1]);
});

test('regions outside the frames are InputMismatch', () => {
  for (const region of [
    { frame: 2, x: 0, y: 0, width: 1, height: 1 },
    { frame: 0, x: 4, y: 0, width: 3, height: 1 },
    { frame: 0, x: 0, y: 0, width: 0, height: 1 },
    { frame: 0, x: 0.5, y: 0, width: 1, height: 1 },
  ]) {
    assert.throws(
      () => cropRegion(frames(), region),
      (e: Error) => e instanceof StageError && e.reason === 'InputMismatch',
      JSON.stringify(region),
    );
  }
});

test('keepAspect scales to the input height and pads the rest with 0; stretch fills it', () => {
  // A 4×2 crop into 8×4: keepAspect → 8 wide (ratio 2); into 16×4 → 8 wide + 8 padding.
  assert.equal(scaledWidth(4, 2, spec(16, 4), 'keepAspect'), 8);
  assert.equal(scaledWidth(40, 2, spec(16, 4), 'keepAspect'), 16); // too long: squeezed
  assert.equal(scaledWidth(4, 2, spec(16, 4), 'stretch'), 16);
  const crop: Frames = { data: new Uint8Array(4 * 2 * 3).fill(255), dims: [1, 2, 4, 3] };
  const t = cropToTensor(crop, { ...spec(16, 4), mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }, 'keepAspect');
  assert.equal(t.length, 3 * 4 * 16);
  // channel 0, row 1: 8 white pixels ((1 - 0.5) / 0.5 = 1), then 8 of padding
  assert.deepEqual(Array.from(t.subarray(16, 32)), [...Array(8).fill(1), ...Array(8).fill(0)]);
  const stretched = cropToTensor(crop, spec(16, 4), 'stretch');
  assert.ok(stretched.every((v) => Math.abs(v - 1) < 1e-6));
});

test('bilinear: a horizontal ramp stays a ramp', () => {
  const data = new Uint8Array(1 * 1 * 4 * 3);
  for (const [x, v] of [0, 85, 170, 255].entries()) data.set([v, v, v], x * 3);
  const t = cropToTensor({ data, dims: [1, 1, 4, 3] }, spec(8, 1), 'stretch');
  const row = Array.from(t.subarray(0, 8), (v) => Math.round(v * 255));
  for (let i = 1; i < row.length; i++) assert.ok(row[i]! >= row[i - 1]!, `${row}`);
  assert.equal(row[0], 0);
  assert.equal(row[7], 255);
});

test('a crop must be one RGB frame, and the input take one frame', () => {
  assert.throws(() => cropToTensor(frames(), spec(4, 4), 'stretch'), /one uint8 RGB frame/);
  const crop = cropRegion(frames(), { frame: 0, x: 0, y: 0, width: 2, height: 2 });
  assert.throws(() => cropToTensor(crop, { ...spec(4, 4), frames: 2 }, 'stretch'), /input.frames 1/);
});

test('a crop written into a reused target (a slab slot) pads with 0, whatever the slot held', () => {
  const crop = cropRegion(frames(), { frame: 0, x: 0, y: 0, width: 2, height: 4 });
  const fresh = cropToTensor(crop, spec(6, 4), 'keepAspect');
  const slot = new Float32Array(3 * 6 * 4).fill(7);
  const written = cropToTensor(crop, spec(6, 4), 'keepAspect', slot);
  assert.equal(written, slot);
  assert.deepEqual(Array.from(written), Array.from(fresh));
  assert.throws(() => cropToTensor(crop, spec(6, 4), 'keepAspect', new Float32Array(5)), /holds 5 values/);
});
