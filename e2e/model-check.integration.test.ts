// The operator's model check (operator/models/model-check.ts) against the suite's real S3 server and
// a local HTTP server: a real ONNX model passes with its sha256; a wrong sha256, a file that is not
// ONNX, a truncated model, a missing object, an HTTP 404, a redirect to the metadata address and
// an operator without object-store access each give Ready=False's reason. file:// and pvc:// are
// not the operator's to check.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createModelChecker, type ModelCheckerDeps } from '../operator/models/model-check.ts';
import { freshBucket, testObjectStore } from './support/s3.ts';

const store = testObjectStore();
let model: Buffer;
let sha256 = '';
let bucket = '';
let server: http.Server;
let base = '';

before(async () => {
  model = await readFile(new URL('../samples/video-classifier/models/scene.onnx', import.meta.url));
  sha256 = createHash('sha256').update(model).digest('hex');
  bucket = await freshBucket(store, 'check');
  await store.put(bucket, 'scene.onnx', model);
  await store.put(bucket, 'notes.onnx', 'these are notes, not a model\n');
  await store.put(bucket, 'truncated.onnx', model.subarray(0, model.length - 100));
  server = http.createServer((req, res) => {
    if (req.url === '/scene.onnx') return void res.writeHead(200).end(model);
    if (req.url === '/html')
      return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
    if (req.url === '/to-metadata')
      return void res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  store.close();
  await new Promise((resolve) => server.close(resolve));
});

const deps = (over: Partial<ModelCheckerDeps> = {}): ModelCheckerDeps => ({
  objectStore: store,
  maxBytes: 50_000_000,
  timeoutMs: 20_000,
  retryAfterMs: 60_000,
  nowMs: Date.now,
  ...over,
});

test('a real model on S3 and over HTTP passes, with its sha256', async () => {
  const checker = createModelChecker(deps());
  for (const uri of [`s3://${bucket}/scene.onnx`, `${base}/scene.onnx`]) {
    const check = await checker.check({ uri, sha256 });
    assert.ok(check?.ok, JSON.stringify(check));
    assert.match(check.message, /sha256 [0-9a-f]{64} \(matches\), ONNX IR \d+, 1 input\(s\), 1 output\(s\)/);
  }
  assert.equal(await checker.check({ uri: 'file:///models/scene.onnx' }), undefined);
  assert.equal(await checker.check({ uri: 'pvc://models/scene.onnx' }), undefined);
});

test('models that cannot be fetched or opened get the reason Ready=False shows', async () => {
  const checker = createModelChecker(deps());
  const noStore = createModelChecker(deps({ objectStore: undefined }));
  const small = createModelChecker(deps({ maxBytes: 100 }));
  const cases: [string, () => ReturnType<typeof checker.check>, string, RegExp][] = [
    [
      'wrong sha256',
      () => checker.check({ uri: `s3://${bucket}/scene.onnx`, sha256: '0'.repeat(64) }),
      'ChecksumMismatch',
      /spec.model.sha256 is 0{64}/,
    ],
    [
      'not ONNX',
      () => checker.check({ uri: `s3://${bucket}/notes.onnx` }),
      'NotAnOnnxModel',
      /not an ONNX model/,
    ],
    [
      'truncated',
      () => checker.check({ uri: `s3://${bucket}/truncated.onnx` }),
      'NotAnOnnxModel',
      /not an ONNX model/,
    ],
    ['HTML page', () => checker.check({ uri: `${base}/html` }), 'NotAnOnnxModel', /not an ONNX model/],
    [
      'missing object',
      () => checker.check({ uri: `s3://${bucket}/nope.onnx` }),
      'ModelUnreachable',
      /no such object/,
    ],
    [
      'missing bucket',
      () => checker.check({ uri: 's3://no-such-bucket-vpo/m.onnx' }),
      'ModelUnreachable',
      /no such object or bucket/,
    ],
    ['HTTP 404', () => checker.check({ uri: `${base}/nope.onnx` }), 'ModelUnreachable', /HTTP 404/],
    [
      'to metadata',
      () => checker.check({ uri: `${base}/to-metadata` }),
      'ModelUnreachable',
      /metadata address/,
    ],
    [
      'no object store',
      () => noStore.check({ uri: `s3://${bucket}/scene.onnx` }),
      'ModelUnreachable',
      /no object store/,
    ],
    ['too large', () => small.check({ uri: `${base}/scene.onnx` }), 'ModelUnreachable', /100-byte limit/],
  ];
  for (const [name, run, reason, why] of cases) {
    const check = await run();
    assert.ok(check && !check.ok, `${name}: ${JSON.stringify(check)}`);
    assert.equal(check.reason, reason, name);
    assert.match(check.message, why, name);
  }
});

test('a failure is remembered for retryAfterMs, then checked again (the model may be uploaded since)', async () => {
  let nowMs = 0;
  const checker = createModelChecker(deps({ nowMs: () => nowMs, retryAfterMs: 1000 }));
  const uri = `s3://${bucket}/later.onnx`;
  assert.equal((await checker.check({ uri }))?.ok, false);
  await store.put(bucket, 'later.onnx', model);
  assert.equal((await checker.check({ uri }))?.ok, false, 'within retryAfterMs: the remembered verdict');
  nowMs += 1001;
  assert.equal((await checker.check({ uri }))?.ok, true);
});
