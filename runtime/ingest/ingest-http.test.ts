// A real HTTP server on 127.0.0.1: positive fetch with allowPrivateNetworks, the address policy
// (literal, resolved name, redirect), timeouts, 404 and size limits.

import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { generateClip, sampleClips } from '../../scripts/gen-videos.ts';
import { createDirFrameStore } from '../framestore/dir-store.ts';
import type { FrameStore } from '../framestore/framestore.ts';
import { createAddressPolicy } from './address.ts';
import type { IngestError } from './errors.ts';
import { fetchHttpToFile } from './fetch-http.ts';
import type { IngestOptions } from './ingestor.ts';
import { createIngestor } from './ingestor.ts';

let dir = '';
let video: Buffer;
let server: http.Server;
let base = '';
let store: FrameStore;
const hanging: ServerResponse[] = [];

function route(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  if (url === '/video.mp4') return void res.writeHead(200, { 'content-length': video.length }).end(video);
  if (url === '/redirect') return void res.writeHead(302, { location: '/video.mp4' }).end();
  if (url === '/to-metadata')
    return void res.writeHead(302, { location: 'http://169.254.169.254/latest' }).end();
  if (url === '/to-file') return void res.writeHead(302, { location: 'file:///etc/passwd' }).end();
  if (url === '/hang') return void hanging.push(res); // never answers
  if (url === '/stall') {
    res.writeHead(200, { 'content-length': 1000 }).write('x'.repeat(10));
    return void hanging.push(res); // sends a little, then nothing
  }
  if (url === '/declared-big') return void res.writeHead(200, { 'content-length': 10_000_000 }).end();
  if (url === '/streamed-big') {
    res.writeHead(200); // chunked, no length: only counting can stop it
    for (let i = 0; i < 100; i++) res.write(Buffer.alloc(10_000));
    return void res.end();
  }
  if (url === '/empty') return void res.writeHead(200, { 'content-length': 0 }).end();
  if (url === '/error') return void res.writeHead(500).end();
  res.writeHead(404).end();
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vpo-ingest-http-'));
  const clip = sampleClips.find((c) => c.file === 'static-colorful.mp4')!;
  await generateClip(dir, clip);
  video = await readFile(path.join(dir, clip.file));
  store = await createDirFrameStore({ root: path.join(dir, 'frames'), ttlSeconds: 60 });
  server = http.createServer(route);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const options: IngestOptions = {
  sampling: { frames: 4, width: 16, height: 16 },
  allowedUriSchemes: ['http', 'https'],
  maxVideoBytes: 500_000,
  allowPrivateNetworks: true,
  connectTimeoutMs: 2000,
  readTimeoutMs: 300,
  tempDir: '',
};

function ingestor(overrides: Partial<IngestOptions> = {}) {
  return createIngestor({ ...options, tempDir: dir, ...overrides }, { frameStore: store });
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    return (err as IngestError).reason ?? String(err);
  }
}

test('a video served on 127.0.0.1 ingests when private networks are allowed, directly or redirected', async () => {
  const ing = ingestor();
  for (const url of [`${base}/video.mp4`, `${base}/redirect`]) {
    const { frameRef, meta } = await ing.ingest({ videoId: 'v', uri: url, consumers: 2 });
    assert.equal(meta.sourceBytes, video.length);
    assert.equal((await store.get(frameRef)).data.length, 4 * 16 * 16 * 3);
    await store.release(frameRef);
    await store.release(frameRef);
  }
  assert.equal(await store.sizeBytes(), 0);
  const leftovers = (await import('node:fs/promises')).readdir(dir);
  assert.ok(!(await leftovers).some((name) => name.startsWith('vpo-ingest-')), 'downloads are removed');
});

test('the same URL is refused without allowPrivateNetworks: by literal, by resolved name, by redirect', async () => {
  const ing = ingestor({ allowPrivateNetworks: false });
  assert.equal(await reasonOf(ing.ingest({ videoId: 'v', uri: `${base}/video.mp4` })), 'ForbiddenAddress');
  const port = (server.address() as AddressInfo).port;
  assert.equal(
    await reasonOf(ing.ingest({ videoId: 'v', uri: `http://localhost:${port}/video.mp4` })),
    'ForbiddenAddress',
  );
  assert.equal(
    await reasonOf(ing.ingest({ videoId: 'v', uri: `http://[::ffff:127.0.0.1]:${port}/` })),
    'ForbiddenAddress',
  );
  // A name that resolves to a public address at first and to the server at connect time.
  const rebinding = createIngestor(
    { ...options, tempDir: dir, allowPrivateNetworks: false },
    {
      frameStore: store,
      lookup: ((_host: string, _opts: unknown, cb: (e: null, a: LookupAddress[]) => void) =>
        cb(null, [{ address: '127.0.0.1', family: 4 }])) as never,
    },
  );
  assert.equal(
    await reasonOf(rebinding.ingest({ videoId: 'v', uri: `http://videos.example:${port}/video.mp4` })),
    'ForbiddenAddress',
  );
  // Redirects are checked hop by hop. With private networks allowed the first hop (loopback)
  // connects, and the redirect to the metadata address is still refused.
  const fetchOptions = {
    maxVideoBytes: 1000,
    connectTimeoutMs: 2000,
    readTimeoutMs: 2000,
    totalTimeoutMs: 5000,
    allowedSchemes: new Set(['http']),
    maxRedirects: 3,
    addresses: createAddressPolicy({ allowPrivateNetworks: true }),
  };
  const dest = path.join(dir, 'redirected');
  assert.equal(
    await reasonOf(fetchHttpToFile(new URL(`${base}/to-metadata`), dest, fetchOptions)),
    'ForbiddenAddress',
  );
  assert.equal(
    await reasonOf(fetchHttpToFile(new URL(`${base}/to-file`), dest, fetchOptions)),
    'SchemeNotAllowed',
  );
});

test('hanging and stalling servers end in FetchTimeout; 404 in NotFound; 500 in FetchFailed', async () => {
  const ing = ingestor();
  assert.equal(await reasonOf(ing.ingest({ videoId: 'v', uri: `${base}/hang` })), 'FetchTimeout');
  assert.equal(await reasonOf(ing.ingest({ videoId: 'v', uri: `${base}/stall` })), 'FetchTimeout');
  assert.equal(await reasonOf(ing.ingest({ videoId: 'v', uri: `${base}/missing.mp4` })), 'NotFound');
  assert.equal(await reasonOf(ing.ingest({ videoId: 'v', uri: `${base}/error` })), 'FetchFailed');
  assert.equal(await reasonOf(ing.ingest({ videoId: 'v', uri: `${base}/empty` })), 'EmptyVideo');
  assert.equal(await reasonOf(ing.ingest({ videoId: 'v', uri: `${base}/video.mp4` })), 'ok');
});

test('over-size bodies are refused by Content-Length and while streaming', async () => {
  const ing = ingestor({ maxVideoBytes: 200_000 });
  assert.equal(await reasonOf(ing.ingest({ videoId: 'v', uri: `${base}/declared-big` })), 'TooLarge');
  assert.equal(await reasonOf(ing.ingest({ videoId: 'v', uri: `${base}/streamed-big` })), 'TooLarge');
  assert.equal(
    await reasonOf(ingestor({ maxVideoBytes: 100 }).ingest({ videoId: 'v', uri: `${base}/video.mp4` })),
    'TooLarge',
  );
  assert.equal(await reasonOf(ing.ingest({ videoId: 'v', uri: `${base}/video.mp4` })), 'ok');
});
