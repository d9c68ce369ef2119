// `npm run bench -- frame-store [VIDEOS]`: what a video's frames cost in the s3 frame store against
// the dir store, side by side in one run: the whole lifecycle of one video's frames as the
// pipeline drives it (put 16×224×224×3 = 2.4 MB, retain 2 holds, release the writer's, 2 stages
// get and release), one video after another, milliseconds per video. The s3 store runs against
// SeaweedFS on 127.0.0.1 (S3_ENDPOINT with its keys, or a server started here), the dir store on
// the local disk; the ratio is the price of sharing frames through an object store instead of a
// ReadWriteMany volume (whose own network cost this local dir does not include).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { s3FromEnv } from '../e2e/env/environment.ts';
import { startS3Server } from '../e2e/env/s3/server.ts';
import { createS3ObjectStore } from '../objectstore/s3-client.ts';
import { createDirFrameStore } from '../runtime/framestore/dir-store.ts';
import type { FrameMeta, FrameStore } from '../runtime/framestore/framestore.ts';
import { createS3FrameStore } from '../runtime/framestore/s3-store.ts';
import type { BenchFigure } from './run.ts';

const meta: FrameMeta = { frames: 16, width: 224, height: 224, channels: 3 };
const frames = new Uint8Array(16 * 224 * 224 * 3).map((_, i) => i % 251);

async function lifecycleMs(store: FrameStore, videos: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < videos; i++) {
    const start = performance.now();
    const ref = await store.put(`video-${i}`, frames, meta);
    await store.retain(ref, 2);
    await store.release(ref);
    for (let stage = 0; stage < 2; stage++) {
      const got = await store.get(ref);
      if (got.data.length !== frames.length) throw new Error('short read');
      await store.release(ref);
    }
    times.push(performance.now() - start);
  }
  return times;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(args: string[]): Promise<BenchFigure[]> {
  const videos = Number(args[0] ?? 40);
  const given = s3FromEnv();
  const server = given ? undefined : await startS3Server();
  const endpoint = given ?? server!;
  const client = createS3ObjectStore({
    endpoint: endpoint.endpoint,
    region: endpoint.region,
    forcePathStyle: true,
    credentials: { accessKeyId: endpoint.accessKeyId, secretAccessKey: endpoint.secretAccessKey },
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vpo-bench-frames-'));
  try {
    const bucket = `bench-frames-${process.pid}`;
    await client.ensureBucket(bucket);
    const s3 = createS3FrameStore({ bucket, prefix: 'bench/', ttlSeconds: 600 }, { store: client });
    const local = await createDirFrameStore({ root: dir, ttlSeconds: 600 });
    await lifecycleMs(s3, 3); // warm-up: connections, the bucket's first volumes
    await lifecycleMs(local, 3);
    const s3Ms = median(await lifecycleMs(s3, videos));
    const dirMs = median(await lifecycleMs(local, videos));
    return [
      {
        name: 'frame-store',
        value: Number(s3Ms.toFixed(1)),
        unit: 'ms per video (median; put 2.4 MB, 3 holds, 2 gets, 3 releases) in the s3 frame store',
        target: 'none: a cost to know when choosing s3 over a ReadWriteMany volume',
        dirStoreMs: Number(dirMs.toFixed(1)),
        ratioToDir: Number((s3Ms / dirMs).toFixed(2)),
        videos,
        server: given ? 'S3_ENDPOINT' : 'SeaweedFS started by the benchmark',
      },
    ];
  } finally {
    client.close();
    await rm(dir, { recursive: true, force: true });
    await server?.stop();
  }
}
