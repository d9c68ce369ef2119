import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StageError } from '../inference/errors.ts';
import { framesToTensor } from './frames-to-tensor.ts';
import type { FrameInputSpec, Frames } from './input-spec.ts';
import { createPreprocessPool } from './worker-pool.ts';

const spec: FrameInputSpec = {
  source: 'frames',
  layout: 'NFCHW',
  frames: 2,
  width: 4,
  height: 4,
  mean: [0.5, 0.5, 0.5],
};
const frames = (seed: number): Frames => ({
  data: Uint8Array.from({ length: 3 * 4 * 4 * 3 }, (_, i) => (i * seed) % 256),
  dims: [3, 4, 4, 3],
});

test('workers compute the same tensors as the main thread, errors keep their reason', async () => {
  const pool = createPreprocessPool({ threads: 2 });
  try {
    const expected = [1, 2, 3, 4, 5].map((s) => framesToTensor(frames(s), spec));
    const got = await Promise.all([1, 2, 3, 4, 5].map((s) => pool.run(frames(s), spec)));
    assert.deepEqual(got, expected);
    await assert.rejects(pool.run(frames(1), { ...spec, width: 8 }), (err: Error) => {
      assert.ok(err instanceof StageError);
      assert.equal(err.reason, 'InputMismatch');
      return true;
    });
    // the pool still serves after a bad item
    assert.deepEqual(await pool.run(frames(7), spec), framesToTensor(frames(7), spec));
  } finally {
    await pool.close();
  }
});
