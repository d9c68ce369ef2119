// Endless and very long inputs over HTTP on 127.0.0.1. An endless live stream (ffmpeg encoding a
// lavfi source with no end, piped into the response) must be cut off by the download's size guard
// (TooLarge): the connection is dropped, so the producer sees its client go and stops, the partial
// download is removed, and the next video ingests. A finite file whose header declares more than
// maxDurationSeconds is TooLong before any decoding.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
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
const producers: ChildProcess[] = [];
let streamedBytes = 0;

/** An MPEG-TS live stream that never ends: ffmpeg encodes as fast as the client reads. */
function streamEndless(res: ServerResponse): void {
  const ffmpeg = spawn(
    'ffmpeg',
    [
      ...['-hide_banner', '-v', 'error', '-nostdin', '-threads', '1'],
      ...['-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=25'],
      ...['-c:v', 'mpeg2video', '-q:v', '2', '-f', 'mpegts', 'pipe:1'],
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  producers.push(ffmpeg);
  res.writeHead(200, { 'content-type': 'video/mp2t' }); // chunked: no length to refuse up front
  ffmpeg.stdout.on('data', (chunk: Buffer) => {
    streamedBytes += chunk.length;
  });
  ffmpeg.stdout.pipe(res);
  res.on('close', () => ffmpeg.kill('SIGKILL'));
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
  for (const p of producers) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
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
  // The guard dropped the connection: the server saw its client go and killed the encoder.
  if (producer.exitCode === null && producer.signalCode === null) await once(producer, 'exit');
  assert.equal(producer.signalCode, 'SIGKILL');
  assert.ok(streamedBytes > maxVideoBytes, `the stream went past the limit (${streamedBytes} bytes)`);
  assert.deepEqual(await downloadsLeft(), [], 'the partial download is removed');
  const { frameRef, meta } = await ingestor.ingest({ videoId: 'next', uri: `${base}/ok.webm` });
  assert.equal(meta.decodedFrames, 4);
  await store.release(frameRef);
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
  assert.deepEqual(await downloadsLeft(), []);
});
