import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bindingVersion } from '../../runtime/inference/provider-install.ts';
import { cudaMajorOfMetadata, loadLock, planSetup, requirementsText, wheelPrefix } from './lock.ts';

const lock = loadLock(new URL('./cuda-wheels.json', import.meta.url).pathname);

test('the lock pins onnxruntime-gpu for the installed onnxruntime-node, and every wheel by sha256', () => {
  const installed = bindingVersion();
  const planned = planSetup(lock, installed);
  assert.ok(planned.ok, planned.ok ? '' : planned.message);
  assert.equal(planned.plan.wheels[0]!.project, 'onnxruntime-gpu');
  for (const w of planned.plan.wheels) {
    assert.match(w.sha256, /^[0-9a-f]{64}$/, w.project);
    assert.ok(w.files.length > 0, w.project);
  }
  const names = planned.plan.wheels.flatMap((w) => w.files.map((f) => f.split('/').at(-1)));
  for (const so of [
    'libcudart.so.13',
    'libcublasLt.so.13',
    'libcublas.so.13',
    'libcudnn.so.9',
    'libcufft.so.12',
    'libcurand.so.10',
    'libnvrtc.so.13',
    'libonnxruntime_providers_cuda.so',
  ])
    assert.ok(names.includes(so), so);
  assert.equal(new Set(names).size, names.length, 'flattened names do not collide');
});

test('another onnxruntime-node version is refused, naming both versions', () => {
  const planned = planSetup(lock, '1.99.0');
  assert.equal(planned.ok, false);
  assert.match(
    planned.ok ? '' : planned.message,
    /onnxruntime-node 1\.99\.0 is installed.*pins onnxruntime-gpu 1\.30\.0 only.*exactly its own version/,
  );
});

test('a CUDA major the libraries do not provide is refused', () => {
  const other = { ...lock, onnxruntimeGpu: lock.onnxruntimeGpu.map((w) => ({ ...w, cudaMajor: 12 })) };
  const planned = planSetup(other, '1.30.0');
  assert.equal(planned.ok, false);
  assert.match(planned.ok ? '' : planned.message, /built for CUDA 12.*pins CUDA 13/);
});

test('the install key changes with any pinned wheel', () => {
  const a = planSetup(lock, '1.30.0');
  const changed = {
    ...lock,
    cuda: {
      ...lock.cuda,
      wheels: lock.cuda.wheels.map((w, i) => (i === 0 ? { ...w, sha256: '0'.repeat(64) } : w)),
    },
  };
  const b = planSetup(changed, '1.30.0');
  assert.ok(a.ok && b.ok);
  assert.notEqual(a.plan.key, b.plan.key);
});

test('requirements are pinned and hashed; wheel names follow PEP 427', () => {
  const text = requirementsText([
    { project: 'nvidia-cuda-runtime', version: '13.0.96', sha256: 'ab', files: [] },
  ]);
  assert.equal(text, 'nvidia-cuda-runtime==13.0.96 --hash=sha256:ab\n');
  assert.equal(
    wheelPrefix({ project: 'nvidia-cudnn-cu13', version: '9.15.1.9' }),
    'nvidia_cudnn_cu13-9.15.1.9-',
  );
});

test('the CUDA major comes from the wheel metadata', () => {
  const metadata =
    'Name: onnxruntime-gpu\nRequires-Dist: nvidia-cuda-nvrtc~=13.0; extra == "cuda"\nRequires-Dist: nvidia-cuda-runtime~=13.0; extra == "cuda"\n';
  assert.equal(cudaMajorOfMetadata(metadata), 13);
  assert.equal(cudaMajorOfMetadata('Requires-Dist: nvidia-cuda-runtime-cu12~=12.0; extra == "cuda"'), 12);
  assert.equal(cudaMajorOfMetadata('Name: onnxruntime\n'), undefined);
});
