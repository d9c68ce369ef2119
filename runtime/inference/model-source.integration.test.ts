// Remote models as a backend pod fetches them: s3:// from the suite's real S3 server and http://
// from a local server, into the pod's cache with the sha256 checked, then opened by onnxruntime.
// A mismatching or missing model is a ModelLoadError naming the URI, and nothing is cached.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { freshBucket, testObjectStore } from '../../e2e/support/s3.ts';
import { ModelLoadError } from './errors.ts';
import { createModelSource } from './model-source.ts';
import { loadModel } from './onnx-model.ts';

const store = testObjectStore();
const modelFile = new URL('../../samples/video-classifier/models/fusion.onnx', import.meta.url);
let model: Buffer;
let sha256 = '';
let bucket = '';
let dir = '';
let server: http.Server;
let base = '';
let httpGets = 0;

before(async () => {
  model = await readFile(modelFile);
  sha256 = createHash('sha256').update(model).digest('hex');
  bucket = await freshBucket(store, 'models');
  await store.put(bucket, 'fusion/v1/model.onnx', model);
  dir = await mkdtemp(path.join(os.tmpdir(), 'vpo-model-cache-'));
  server = http.createServer((req, res) => {
    httpGets++;
    if (req.url === '/fusion.onnx') res.writeHead(200, { 'content-length': model.length }).end(model);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  store.close();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

test('an s3:// model is fetched once into the cache, checked, and opens in onnxruntime', async () => {
  const cacheDir = path.join(dir, 's3');
  const resolve = createModelSource({ cacheDir, objectStore: store });
  const uri = `s3://${bucket}/fusion/v1/model.onnx`;
  const local = await resolve({ uri, sha256 });
  assert.equal(path.dirname(local), cacheDir);
  const loaded = await loadModel({ path: local, sha256, provider: 'cpu' });
  await loaded.close();
  // A second start in the same pod: the cache serves it, even with the object gone.
  await store.deleteKeys(bucket, ['fusion/v1/model.onnx']);
  assert.equal(await resolve({ uri, sha256 }), local);
  await store.put(bucket, 'fusion/v1/model.onnx', model);
});

test('an http:// model is fetched once per cache', async () => {
  const resolve = createModelSource({ cacheDir: path.join(dir, 'http') });
  const before = httpGets;
  const first = await resolve({ uri: `${base}/fusion.onnx`, sha256 });
  assert.equal(await resolve({ uri: `${base}/fusion.onnx`, sha256 }), first);
  assert.equal(httpGets - before, 1);
  assert.deepEqual(await readFile(first), model);
});

test('a wrong sha256, a missing object, a 404 and s3:// without a store are clear errors; nothing is cached', async () => {
  const cacheDir = path.join(dir, 'bad');
  const resolve = createModelSource({ cacheDir, objectStore: store });
  const wrong = 'f'.repeat(64);
  const cases: [string, () => Promise<string>, RegExp][] = [
    [
      'sha256',
      () => resolve({ uri: `s3://${bucket}/fusion/v1/model.onnx`, sha256: wrong }),
      /sha256 mismatch/,
    ],
    [
      'missing',
      () => resolve({ uri: `s3://${bucket}/fusion/v2/model.onnx` }),
      /cannot fetch model s3:.*NoSuchKey|not found|NotFound/i,
    ],
    ['404', () => resolve({ uri: `${base}/missing.onnx` }), /cannot fetch model http:.*404/],
    [
      'no store',
      () => createModelSource({ cacheDir })({ uri: `s3://${bucket}/x.onnx` }),
      /needs the runtime file's objectStore/,
    ],
    [
      'scheme',
      () => resolve({ uri: 'ftp://example.com/m.onnx' }),
      /only file:\/\/, pvc:\/\/, s3:\/\/ and http\(s\):\/\/ open here/,
    ],
  ];
  for (const [name, run, why] of cases) {
    await assert.rejects(run(), (err: Error) => err instanceof ModelLoadError && why.test(err.message), name);
  }
  assert.deepEqual(await readdir(cacheDir).catch(() => []), []);
});
