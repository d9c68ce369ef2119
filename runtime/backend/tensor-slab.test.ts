import assert from 'node:assert/strict';
import { test } from 'node:test';
import { joinTensors, MAX_SLAB_BYTES, TensorSlab } from './tensor-slab.ts';

test('slots come in ring order; released ones are reused after the others; a full slab says so', () => {
  const slab = TensorSlab.create(4, 3)!;
  assert.deepEqual([slab.acquire(), slab.acquire(), slab.acquire()], [0, 1, 2]);
  assert.equal(slab.acquire(), undefined);
  slab.release(1);
  slab.release(0);
  assert.deepEqual([slab.acquire(), slab.acquire()], [0, 1]);
  assert.equal(TensorSlab.create(MAX_SLAB_BYTES, 4), undefined, 'items too large for a slab');
});

test('consecutive slots join as a view of the slab; anything else is copied into the scratch', () => {
  const slab = TensorSlab.create(2, 4)!;
  const view = (slot: number) => {
    const t = slab.target(slot);
    return new Float32Array(t.buffer, t.offsetFloats * 4, t.lengthFloats);
  };
  view(1).set([1, 2]);
  view(2).set([3, 4]);
  const scratch: { data?: Float32Array } = {};
  const joined = joinTensors([view(1), view(2)], scratch);
  assert.equal(joined.buffer, slab.buffer, 'no copy');
  assert.deepEqual([...joined], [1, 2, 3, 4]);
  assert.equal(scratch.data, undefined);
  const swapped = joinTensors([view(2), view(1)], scratch);
  assert.notEqual(swapped.buffer, slab.buffer);
  assert.deepEqual([...swapped], [3, 4, 1, 2]);
  const reused = scratch.data!.buffer;
  const again = joinTensors([Float32Array.of(5, 6), Float32Array.of(7, 8)], scratch);
  assert.equal(again.buffer, reused, 'the scratch is reused');
  assert.deepEqual([...again], [5, 6, 7, 8]);
});
