import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Registry } from 'prom-client';
import { createRuntimeMetrics } from '../metrics.ts';
import { createDirFrameStore } from './dir-store.ts';
import type { FrameMeta, FrameStoreError } from './framestore.ts';

const roots: string[] = [];
after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

async function tempRoot(): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'vpo-framestore-'));
  roots.push(root);
  return root;
}

const meta: FrameMeta = { frames: 2, width: 4, height: 3, channels: 3 };
const frames = Uint8Array.from({ length: 72 }, (_, i) => i);

async function gaugeValue(metrics: ReturnType<typeof createRuntimeMetrics>): Promise<number> {
  return (await metrics.frameStoreBytes.get()).values[0]?.value ?? Number.NaN;
}

test('put then get returns the same frames and meta; the gauge follows the stored bytes', async () => {
  const metrics = createRuntimeMetrics(new Registry());
  const store = await createDirFrameStore(
    { root: await tempRoot(), ttlSeconds: 60, sizeReportIntervalMs: 0 },
    { metrics },
  );
  const ref = await store.put('videos/a b?.mp4', frames, meta);
  assert.match(ref, /^videos_a_b__mp4\.[0-9a-f]{16}$/);
  const got = await store.get(ref);
  assert.deepEqual(got.meta, meta);
  assert.deepEqual([...got.data], [...frames]);
  assert.equal(await store.sizeBytes(), 72);
  assert.equal(await gaugeValue(metrics), 72);
  await store.release(ref);
  assert.equal(await gaugeValue(metrics), 0);
});

test('frames are deleted only when the last holder releases them', async () => {
  const root = await tempRoot();
  const store = await createDirFrameStore({ root, ttlSeconds: 60 });
  const ref = await store.put('v1', frames, meta);
  await store.retain(ref, 2); // three holders: the writer and two stages
  await store.release(ref);
  await store.release(ref);
  assert.equal((await store.get(ref)).meta.frames, 2);
  await store.release(ref);
  await assert.rejects(store.get(ref), (err: FrameStoreError) => err.code === 'RefNotFound');
  await store.release(ref); // releasing a deleted ref is a no-op
  assert.deepEqual(await readdir(root), []);
  assert.equal(await store.sizeBytes(), 0);
});

test('sweep deletes entries older than the TTL and keeps younger ones', async () => {
  let nowMs = 1_000_000;
  const store = await createDirFrameStore({ root: await tempRoot(), ttlSeconds: 10 }, { clock: () => nowMs });
  const old = await store.put('old', frames, meta);
  nowMs += 5_000;
  const young = await store.put('young', frames, meta);
  assert.equal(await store.sweep(1_000_000 + 10_000), 0);
  assert.equal(await store.sweep(1_000_000 + 10_001), 1);
  await assert.rejects(store.get(old), (err: FrameStoreError) => err.code === 'RefNotFound');
  assert.equal((await store.get(young)).data.length, 72);
  assert.equal(await store.sizeBytes(), 72);
});

test('refs that are paths or traversals are refused before touching the filesystem', async () => {
  const store = await createDirFrameStore({ root: await tempRoot(), ttlSeconds: 60 });
  for (const ref of [
    '../etc.0123456789abcdef',
    '/etc/passwd',
    'a/b.0123456789abcdef',
    '..',
    '',
    'x.0123456789ABCDEG',
  ]) {
    await assert.rejects(store.get(ref), (err: FrameStoreError) => err.code === 'InvalidRef', ref);
    await assert.rejects(store.release(ref), (err: FrameStoreError) => err.code === 'InvalidRef', ref);
  }
});

test('frames whose size does not match their meta are refused', async () => {
  const store = await createDirFrameStore({ root: await tempRoot(), ttlSeconds: 60 });
  await assert.rejects(
    store.put('v', frames.subarray(1), meta),
    (err: FrameStoreError) => err.code === 'InvalidFrames',
  );
  await assert.rejects(
    store.put('v', frames, { ...meta, frames: 0 }),
    (err: FrameStoreError) => err.code === 'InvalidFrames',
  );
  assert.equal(await store.sizeBytes(), 0);
});
