import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModelLoadError } from './errors.ts';
import { cacheName, claimPath, createModelSource } from './model-source.ts';

test('file:// and pvc:// open in place; pvc:// paths never leave their claim', async () => {
  const resolve = createModelSource({ cacheDir: '/cache', modelRoot: '/root', claimsDir: '/claims' });
  assert.equal(await resolve({ uri: 'file:///models/scene.onnx' }), '/root/models/scene.onnx');
  assert.equal(await resolve({ uri: 'pvc://models-rwx/v1/scene.onnx' }), '/claims/models-rwx/v1/scene.onnx');
  for (const bad of ['pvc://models/../../etc/passwd', 'pvc://Models/x.onnx', 'pvc://models/'])
    assert.throws(() => claimPath(bad, '/claims'), ModelLoadError, bad);
  assert.throws(() => claimPath('pvc://models/x.onnx', undefined), /no claims folder/);
  await assert.rejects(
    resolve({ uri: 'ftp://host/m.onnx' }),
    /only file:\/\/, pvc:\/\/, s3:\/\/ and http\(s\):\/\//,
  );
  await assert.rejects(resolve({ uri: 's3://models/m.onnx' }), /needs the runtime file's objectStore/);
});

test('cached models are named by content when the sha256 is known, else by URI', () => {
  const sha = 'A'.repeat(64);
  assert.equal(cacheName({ uri: 's3://b/m.onnx', sha256: sha }), `${'a'.repeat(64)}.onnx`);
  assert.equal(
    cacheName({ uri: 's3://b/m.onnx', sha256: sha }),
    cacheName({ uri: 'https://x/m.onnx', sha256: sha }),
  );
  assert.notEqual(cacheName({ uri: 's3://b/m.onnx' }), cacheName({ uri: 's3://b/n.onnx' }));
});
