import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gpuProductLabel } from './product-label.ts';

test('a full GPU: NVML name with each space replaced by a dash (as GFD labels nodes)', () => {
  assert.equal(gpuProductLabel('NVIDIA H100 80GB HBM3'), 'NVIDIA-H100-80GB-HBM3');
  assert.equal(gpuProductLabel('Tesla T4'), 'Tesla-T4');
  assert.equal(gpuProductLabel('NVIDIA H200'), 'NVIDIA-H200');
  // strings.ReplaceAll, not a whitespace run: two spaces are two dashes.
  assert.equal(gpuProductLabel('NVIDIA A100-SXM4-40GB  X'), 'NVIDIA-A100-SXM4-40GB--X');
});

test('MIG instances and shared (time-sliced) GPUs get GFD suffixes', () => {
  assert.equal(
    gpuProductLabel('NVIDIA A100-SXM4-40GB', { migProfile: '1g.5gb' }),
    'NVIDIA-A100-SXM4-40GB-MIG-1g.5gb',
  );
  assert.equal(gpuProductLabel('Tesla T4', { shared: true }), 'Tesla-T4-SHARED');
  assert.equal(gpuProductLabel(''), '');
});
