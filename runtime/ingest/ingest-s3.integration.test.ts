// s3:// sources against the suite's real S3 server: a video in a bucket is ingested (decoded once,
// frames stored); a missing object, an empty one, one over maxVideoBytes, a bucket the pod's keys
// cannot read and an ingestor without an object store each fail with their dead-letter reason.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { freshBucket, testObjectStore, testS3 } from '../../e2e/support/s3.ts';
import { createS3ObjectStore } from '../../objectstore/s3-client.ts';
import { generateClip, sampleClips } from '../../scripts/gen-videos.ts';
import { createDirFrameStore } from '../framestore/dir-store.ts';
import type { FrameStore } from '../framestore/framestore.ts';
import type { IngestError } from './errors.ts';
import { createIngestor, type IngestOptions } from './ingestor.ts';

const store = testObjectStore();
let dir = '';
let bucket = '';
let frames: FrameStore;
let videoBytes = 0;

const options = (overrides: Partial<IngestOptions> = {}): IngestOptions => ({
  sampling: { frames: 4, width: 32, height: 32 },
  allowedUriSchemes: ['s3'],
  maxVideoBytes: 5_000_000,
  ...overrides,
});

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vpo-ingest-s3-'));
  const clip = sampleClips.find((c) => c.file === 'static-colorful.mp4')!;
  await generateClip(dir, clip);
  const video = await readFile(path.join(dir, clip.file));
  videoBytes = video.length;
  bucket = await freshBucket(store, 'sources');
  await store.put(bucket, 'in/static colorful.mp4', video);
  await store.put(bucket, 'in/empty.mp4', '');
  frames = await createDirFrameStore({ root: path.join(dir, 'frames'), ttlSeconds: 60 });
});

after(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

test('an s3:// video is fetched, decoded once and its frames stored', async () => {
  const ingestor = createIngestor(options({ tempDir: dir }), { frameStore: frames, objectStore: store });
  const result = await ingestor.ingest({ videoId: 'v1', uri: `s3://${bucket}/in/static colorful.mp4` });
  assert.equal(result.meta.sourceBytes, videoBytes);
  assert.equal(result.meta.frames, 4);
  const stored = await frames.get(result.frameRef);
  assert.equal(stored.data.length, 4 * 32 * 32 * 3);
});

test('bad s3:// sources fail with their reason, and the ingestor serves the next one', async () => {
  const ingestor = createIngestor(options({ tempDir: dir }), { frameStore: frames, objectStore: store });
  const s3 = testS3();
  const otherKeys = createS3ObjectStore({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'someone-else', secretAccessKey: 'x'.repeat(40) },
    maxAttempts: 1,
  });
  const denied = createIngestor(options({ tempDir: dir }), { frameStore: frames, objectStore: otherKeys });
  const small = createIngestor(options({ tempDir: dir, maxVideoBytes: videoBytes - 1 }), {
    frameStore: frames,
    objectStore: store,
  });
  const noStore = createIngestor(options({ tempDir: dir }), { frameStore: frames });
  const fileOnly = createIngestor(options({ tempDir: dir, allowedUriSchemes: ['file'] }), {
    frameStore: frames,
    objectStore: store,
  });
  const cases: [string, () => Promise<unknown>, string][] = [
    [
      'missing object',
      () => ingestor.ingest({ videoId: 'a', uri: `s3://${bucket}/in/nope.mp4` }),
      'NotFound',
    ],
    [
      'missing bucket',
      () => ingestor.ingest({ videoId: 'b', uri: 's3://no-such-bucket-vpo/x.mp4' }),
      'NotFound',
    ],
    [
      'empty object',
      () => ingestor.ingest({ videoId: 'c', uri: `s3://${bucket}/in/empty.mp4` }),
      'EmptyVideo',
    ],
    [
      'too large',
      () => small.ingest({ videoId: 'd', uri: `s3://${bucket}/in/static colorful.mp4` }),
      'TooLarge',
    ],
    ['no key', () => ingestor.ingest({ videoId: 'e', uri: `s3://${bucket}/` }), 'InvalidMessage'],
    [
      'wrong keys',
      () => denied.ingest({ videoId: 'f', uri: `s3://${bucket}/in/static colorful.mp4` }),
      'FetchFailed',
    ],
    [
      'no object store',
      () => noStore.ingest({ videoId: 'g', uri: `s3://${bucket}/in/x.mp4` }),
      'SchemeNotAllowed',
    ],
    [
      'scheme not allowed',
      () => fileOnly.ingest({ videoId: 'h', uri: `s3://${bucket}/in/x.mp4` }),
      'SchemeNotAllowed',
    ],
  ];
  for (const [name, run, reason] of cases)
    await assert.rejects(run(), (err: IngestError) => err.reason === reason, `${name}: expected ${reason}`);
  otherKeys.close();
  const next = await ingestor.ingest({ videoId: 'ok', uri: `s3://${bucket}/in/static colorful.mp4` });
  assert.equal(next.meta.decodedFrames > 0, true);
});
