import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { StageError } from '../inference/errors.ts';
import { framesToTensor } from './frames-to-tensor.ts';
import type { FrameInputSpec, Frames } from './input-spec.ts';
import { PREPROCESS_NICE } from './preprocess-worker.ts';
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

/** Busy-waits: the main thread is as blocked as during onnxruntime's synchronous session.run. */
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

test('jobs reach a worker while the main thread is blocked, not one per main-thread turn', async () => {
  const pool = createPreprocessPool({ threads: 1 });
  try {
    await pool.run(frames(1), spec); // the worker is up
    const settled: number[] = [];
    const jobs = [1, 2, 3, 4].map((s) => pool.run(frames(s), spec).then(() => settled.push(s)));
    block(500);
    // Every job was done during the block: their replies are all waiting for the main thread.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(settled, [1, 2, 3, 4]);
    await Promise.all(jobs);
  } finally {
    await pool.close();
  }
});

test('preprocessing threads run niced, the main thread keeps its priority', async (t) => {
  if (process.platform !== 'linux') return t.diagnostic('per-thread niceness is read from /proc (Linux)');
  const niceOf = (task: string) => {
    const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  };
  const before = new Set(readdirSync('/proc/self/task'));
  const pool = createPreprocessPool({ threads: 2 });
  try {
    await Promise.all([pool.run(frames(1), spec), pool.run(frames(2), spec)]);
    const added = readdirSync('/proc/self/task').filter((task) => !before.has(task));
    const niced = added.filter((task) => niceOf(task) === PREPROCESS_NICE);
    assert.ok(niced.length >= 2, `threads ${added.join(', ')}: ${niced.length} niced`);
    assert.equal(niceOf(String(process.pid)), 0);
  } finally {
    await pool.close();
  }
});
