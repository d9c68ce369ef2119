import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deviceMemory, driverAtLeast, parseComputeApps, parseGpus } from './nvidia-smi.ts';

test('GPUs from nvidia-smi CSV (the H100 machine prints this form)', () => {
  const csv =
    '0, GPU-6f1c1d1e-aaaa-bbbb-cccc-0123456789ab, NVIDIA H100 80GB HBM3, 81559, 9.0, 580.95.05\n' +
    '1, GPU-7f1c1d1e-aaaa-bbbb-cccc-0123456789ab, NVIDIA H100 80GB HBM3, 81559, 9.0, 580.95.05\n';
  const gpus = parseGpus(csv);
  assert.equal(gpus.length, 2);
  assert.deepEqual(gpus[1], {
    index: 1,
    uuid: 'GPU-7f1c1d1e-aaaa-bbbb-cccc-0123456789ab',
    name: 'NVIDIA H100 80GB HBM3',
    memoryMiB: 81559,
    computeCapability: '9.0',
    driverVersion: '580.95.05',
  });
  assert.deepEqual(parseGpus('\n'), []);
  assert.throws(() => parseGpus('garbage'), /unexpected line: garbage/);
});

test('device memory: own PID when listed, else the device delta from the baseline', () => {
  const apps = '4242, GPU-a, 1034\n77, GPU-a, 500\n4242, GPU-b, 10\n';
  assert.equal(parseComputeApps(apps).get(4242), 1044);
  const smi = (listed: string) => (args: string[]) =>
    args[0]!.startsWith('--query-compute-apps') ? listed : '0, 2500\n1, 7\n';
  assert.deepEqual(deviceMemory(4242, { index: 0, baselineMiB: 400 }, smi(apps)), {
    memoryMiB: 1044,
    source: 'nvml-process',
  });
  // In a container the driver lists host PIDs: ours is not there.
  assert.deepEqual(deviceMemory(9, { index: 0, baselineMiB: 400 }, smi('')), {
    memoryMiB: 2100,
    source: 'nvml-device',
  });
  assert.throws(() => deviceMemory(9, { index: 5, baselineMiB: 0 }, smi('')), /no GPU 5/);
});

test('driver versions compare per numeric part', () => {
  assert.equal(driverAtLeast('580.95.05', '580.65.06'), true);
  assert.equal(driverAtLeast('580.65.06', '580.65.06'), true);
  assert.equal(driverAtLeast('575.57.08', '580.65.06'), false);
  assert.equal(driverAtLeast('1000', '580.65.06'), true);
});
