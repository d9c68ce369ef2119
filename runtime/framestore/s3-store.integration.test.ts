// The s3 frame store against the suite's real S3 server: the FrameStore contract the dir store
// keeps (dir-store.test.ts), and reference counting across independent clients (each stands for a
// pod: nothing is shared between them but the bucket).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Registry } from 'prom-client';
import { freshBucket, keysUnder, testObjectStore, testS3 } from '../../e2e/support/s3.ts';
import { createS3ObjectStore } from '../../objectstore/s3-client.ts';
import { createRuntimeMetrics } from '../metrics.ts';
import type { FrameMeta, FrameStoreError } from './framestore.ts';
import { createS3FrameStore } from './s3-store.ts';

const admin = testObjectStore();
const clients = [admin];
after(() => {
  for (const c of clients) c.close();
});

const meta: FrameMeta = { frames: 2, width: 4, height: 3, channels: 3 };
const frames = Uint8Array.from({ length: 72 }, (_, i) => i);

/** A store as one pod would open it: its own S3 client. */
function podStore(bucket: string, prefix: string, ttlSeconds = 60) {
  const client = testObjectStore();
  clients.push(client);
  return createS3FrameStore({ bucket, prefix, ttlSeconds }, { store: client });
}

test('put then get returns the same frames and meta; release of the last hold deletes every object', async () => {
  const bucket = await freshBucket(admin, 'fs');
  const metrics = createRuntimeMetrics(new Registry());
  const store = createS3FrameStore(
    { bucket, prefix: 'media/vc/', ttlSeconds: 60 },
    { store: admin, metrics },
  );
  const ref = await store.put('videos/a b?.mp4', frames, meta);
  assert.match(ref, /^videos_a_b__mp4\.[0-9a-f]{16}$/);
  const got = await store.get(ref);
  assert.deepEqual(got.meta, meta);
  assert.deepEqual([...got.data], [...frames]);
  assert.equal(await store.sizeBytes(), 72);
  assert.deepEqual(
    (await keysUnder(admin, bucket)).map((k) => k.replace(/[0-9a-f]{16}$/, 'T')),
    [`media/vc/${ref}/frames`, `media/vc/${ref}/h.T`],
  );
  await store.release(ref);
  assert.deepEqual(await keysUnder(admin, bucket), []);
  await assert.rejects(store.get(ref), (err: FrameStoreError) => err.code === 'RefNotFound');
  await store.release(ref); // releasing a deleted ref is a no-op, and leaves nothing behind
  assert.deepEqual(await keysUnder(admin, bucket), []);
  assert.equal(await store.sweep(Date.now()), 0);
  assert.equal((await metrics.frameStoreBytes.get()).values[0]?.value, 0);
});

test('holds taken by one pod and released by others: deleted only after the last release', async () => {
  const bucket = await freshBucket(admin, 'fs');
  const ingest = podStore(bucket, 'p/');
  const backends = [podStore(bucket, 'p/'), podStore(bucket, 'p/'), podStore(bucket, 'p/')];
  const ref = await ingest.put('v1', frames, meta);
  await ingest.retain(ref, 3); // one hold per frame-reading stage
  await ingest.release(ref); // the writer's own hold
  for (const b of backends.slice(0, 2)) {
    assert.equal((await b.get(ref)).data.length, 72);
    await b.release(ref);
  }
  assert.equal((await backends[2]!.get(ref)).meta.frames, 2, 'one hold left: the frames are there');
  await backends[2]!.release(ref);
  await assert.rejects(backends[0]!.get(ref), (err: FrameStoreError) => err.code === 'RefNotFound');
  assert.deepEqual(await keysUnder(admin, bucket), []);
});

test('concurrent releases from many pods: the entry is deleted exactly once all are in, never before', async () => {
  const bucket = await freshBucket(admin, 'fs');
  const holders = 12;
  const writer = podStore(bucket, '');
  const pods = Array.from({ length: holders }, () => podStore(bucket, ''));
  for (let round = 0; round < 3; round++) {
    const ref = await writer.put(`v${round}`, frames, meta);
    await writer.retain(ref, holders);
    await writer.release(ref);
    // All but one release at once; the frames must still be readable afterwards.
    await Promise.all(pods.slice(1).map((p) => p.release(ref)));
    assert.equal((await pods[0]!.get(ref)).data.length, 72, `round ${round}: deleted early`);
    await pods[0]!.release(ref);
    assert.deepEqual(await keysUnder(admin, bucket), [], `round ${round}: left behind`);
    // Every release at once: whichever lists last sees them all, so nothing is left behind.
    const raced = await writer.put(`r${round}`, frames, meta);
    await writer.retain(raced, holders - 1);
    await Promise.all(pods.map((p) => p.release(raced)));
    assert.deepEqual(await keysUnder(admin, bucket), [], `round ${round}: a race left frames behind`);
  }
});

test('retain of a deleted ref is RefNotFound; refs that are paths are refused before any request', async () => {
  const bucket = await freshBucket(admin, 'fs');
  const store = podStore(bucket, 'x/');
  const ref = await store.put('v', frames, meta);
  await store.release(ref);
  await assert.rejects(store.retain(ref, 1), (err: FrameStoreError) => err.code === 'RefNotFound');
  for (const bad of ['../etc.0123456789abcdef', '/etc/passwd', 'a/b.0123456789abcdef', '..', ''])
    await assert.rejects(store.get(bad), (err: FrameStoreError) => err.code === 'InvalidRef', bad);
});

test('sweep deletes entries older than the TTL (the store clock), keeps younger ones and other prefixes', async () => {
  const bucket = await freshBucket(admin, 'fs');
  const store = podStore(bucket, 'a/', 10);
  const neighbour = podStore(bucket, 'b/', 10);
  const kept = await store.put('young', frames, meta);
  const theirs = await neighbour.put('theirs', frames, meta);
  assert.equal(await store.sweep(Date.now()), 0);
  assert.equal(await store.sweep(Date.now() + 11_000), 1);
  await assert.rejects(store.get(kept), (err: FrameStoreError) => err.code === 'RefNotFound');
  assert.equal((await neighbour.get(theirs)).data.length, 72, 'another prefix is not swept');
  assert.deepEqual(await keysUnder(admin, bucket, 'a/'), []);
});

test('frames whose object does not match their metadata are Corrupt; a store with wrong keys is retriable', async () => {
  const bucket = await freshBucket(admin, 'fs');
  const store = podStore(bucket, '');
  const ref = await store.put('v', frames, meta);
  await admin.put(bucket, `${ref}/frames`, frames.subarray(1), { frames: '2', width: '4', height: '3' });
  await assert.rejects(store.get(ref), (err: FrameStoreError) => err.code === 'Corrupt');
  const s3 = testS3();
  const wrongKeys = createS3ObjectStore({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: 'not-the-secret' },
    maxAttempts: 1,
  });
  clients.push(wrongKeys);
  const denied = createS3FrameStore({ bucket, prefix: '', ttlSeconds: 60 }, { store: wrongKeys });
  await assert.rejects(
    denied.put('v', frames, meta),
    (err: FrameStoreError) => err.code === 'FrameStoreUnavailable' && err.retriable,
  );
});
