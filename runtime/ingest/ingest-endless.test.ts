// Endless and very long inputs over HTTP on 127.0.0.1. An endless live stream (an MPEG-TS clip sent
// again and again, continuity counters and all, as a live encoder would keep sending) must be cut
// off by the download's size guard (TooLarge): the connection is dropped, so the producer sees its
// client go and stops, the partial download is removed, and the next video ingests. A finite file
// whose header declares more than maxDurationSeconds is TooLong before any decoding.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { generateClip, generateHostileFixtures, sampleClips } from '../../scripts/gen-videos.ts';
import { createDirFrameStore } from '../framestore/dir-store.ts';
import type { FrameStore } from '../framestore/framestore.ts';
import type { IngestOptions } from './ingestor.ts';
import { createIngestor } from './ingestor.ts';

let dir = '';
let store: FrameStore;
let server: http.Server;
let base = '';
const files = new Map<string, Buffer>();
interface Producer {
  stopped: boolean;
  closed: Promise<unknown>;
}
const producers: Producer[] = [];
let streamedBytes = 0;
let tsClip: Buffer;

/** An MPEG-TS live stream that never ends: the clip again and again, as fast as the client reads. */
function streamEndless(res: ServerResponse): void {
  const producer: Producer = { stopped: false, closed: once(res, 'close') };
  producers.push(producer);
  res.writeHead(200, { 'content-type': 'video/mp2t' }); // chunked: no length to refuse up front
  const send = () => {
    while (!producer.stopped) {
      streamedBytes += tsClip.length;
      if (!res.write(tsClip)) return void res.once('drain', send);
    }
  };
  res.on('close', () => {
    producer.stopped = true;
  });
  send();
}

function route(req: IncomingMessage, res: ServerResponse): void {
  const name = (req.url ?? '/').slice(1);
  if (name === 'endless.ts') return void streamEndless(res);
  const body = files.get(name);
  if (!body) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-length': body.length }).end(body);
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vpo-ingest-endless-'));
  const hostile = await generateHostileFixtures(path.join(dir, 'hostile'));
  tsClip = await readFile(hostile.mpegts);
  const clip = sampleClips.find((c) => c.file === 'moving-colorful.webm')!;
  await generateClip(dir, clip);
  files.set('ok.webm', await readFile(path.join(dir, clip.file)));
  files.set('long.mp4', await readFile(hostile.long));
  files.set('long.webm', await readFile(hostile.longWebm));
  store = await createDirFrameStore({ root: path.join(dir, 'frames'), ttlSeconds: 60 });
  server = http.createServer(route);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const p of producers) p.stopped = true;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const maxVideoBytes = 1_000_000;
const options: IngestOptions = {
  sampling: { frames: 4, width: 16, height: 16 },
  allowedUriSchemes: ['http'],
  maxVideoBytes,
  allowPrivateNetworks: true,
  readTimeoutMs: 10_000,
  totalFetchTimeoutMs: 60_000,
  maxDurationSeconds: 600,
};

async function downloadsLeft(): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith('vpo-ingest-'));
}

test('an endless live stream is cut off at maxVideoBytes (TooLarge), its producer stops, the next video ingests', async () => {
  const ingestor = createIngestor({ ...options, tempDir: dir }, { frameStore: store });
  await assert.rejects(ingestor.ingest({ videoId: 'endless', uri: `${base}/endless.ts` }), (err: Error) => {
    assert.equal((err as { reason?: string }).reason, 'TooLarge', err.message);
    return true;
  });
  const [producer] = producers;
  assert.ok(producer);
  // The guard dropped the connection: the server saw its client go and stopped sending.
  await producer.closed;
  assert.equal(producer.stopped, true);
  assert.ok(streamedBytes > maxVideoBytes, `the stream went past the limit (${streamedBytes} bytes)`);
  assert.deepEqual(await downloadsLeft(), [], 'the partial download is removed');
  const { frameRef, meta } = await ingestor.ingest({ videoId: 'next', uri: `${base}/ok.webm` });
  assert.equal(meta.decodedFrames, 4);
  await store.release(frameRef);
  await ingestor.close();
});

test('a file declaring more than maxDurationSeconds is TooLong (MP4 index last, WebM), then the next ingests', async () => {
  const ingestor = createIngestor({ ...options, tempDir: dir }, { frameStore: store });
  for (const name of ['long.mp4', 'long.webm']) {
    await assert.rejects(ingestor.ingest({ videoId: name, uri: `${base}/${name}` }), (err: Error) => {
      assert.equal((err as { reason?: string }).reason, 'TooLong', `${name}: ${err.message}`);
      assert.match(err.message, /duration 1200 s > maxDurationSeconds 600/);
      return true;
    });
    const { frameRef } = await ingestor.ingest({ videoId: 'next', uri: `${base}/ok.webm` });
    await store.release(frameRef);
  }
  await ingestor.close();
  assert.deepEqual(await downloadsLeft(), []);
});
