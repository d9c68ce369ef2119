import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GpuDevice } from '../gpu/nvidia-smi.ts';
import { deviceMemoryMeter, hostMemoryMeter, visibleDevice } from './memory-meter.ts';
import { deviceProduct } from './profile.ts';

const gpu = (index: number, uuid: string): GpuDevice => ({
  index,
  uuid,
  name: 'NVIDIA H100 80GB HBM3',
  memoryMiB: 81559,
  computeCapability: '9.0',
  driverVersion: '580.95.05',
});

/** nvidia-smi on a two-GPU machine whose GPU 1 holds `used()` MiB, and this pid's app entry. */
function smi(used: () => number, app?: () => number) {
  return (args: string[]) => {
    if (args[0]!.startsWith('--query-gpu=index,uuid'))
      return '0, GPU-aaa, NVIDIA H100 80GB HBM3, 81559, 9.0, 580.95.05\n1, GPU-bbb, NVIDIA H100 80GB HBM3, 81559, 9.0, 580.95.05\n';
    if (args[0]!.startsWith('--query-gpu=index,memory.used')) return `0, 3\n1, ${used()}\n`;
    return app ? `4242, GPU-bbb, ${app()}\n` : '';
  };
}

test('CUDA device numbers are counted among CUDA_VISIBLE_DEVICES, by index or UUID', () => {
  const gpus = [gpu(0, 'GPU-aaa'), gpu(1, 'GPU-bbb')];
  assert.equal(visibleDevice(gpus, 1, {})?.uuid, 'GPU-bbb');
  assert.equal(visibleDevice(gpus, 0, { CUDA_VISIBLE_DEVICES: '1' })?.uuid, 'GPU-bbb');
  assert.equal(visibleDevice(gpus, 0, { CUDA_VISIBLE_DEVICES: 'GPU-bbb' })?.index, 1);
  assert.equal(visibleDevice(gpus, 1, { CUDA_VISIBLE_DEVICES: '0' }), undefined);
});

test('device memory: the process entry when NVML lists it, else the device delta from before the model', () => {
  let used = 500;
  const delta = deviceMemoryMeter(
    { deviceId: 1, perProcess: true, env: {}, pid: 9 },
    smi(() => used),
  );
  used = 2548;
  assert.equal(delta.read(), 2048);
  assert.equal(delta.source(), 'nvml-device');
  assert.equal(delta.kind, 'device');
  assert.equal(deviceProduct('cuda', delta), 'NVIDIA-H100-80GB-HBM3', 'the product as GFD labels it');
  const own = deviceMemoryMeter(
    { deviceId: 1, perProcess: true, env: {}, pid: 4242 },
    smi(
      () => used,
      () => 1730,
    ),
  );
  assert.equal(own.read(), 1730);
  assert.equal(own.source(), 'nvml-process');
  assert.throws(
    () =>
      deviceMemoryMeter(
        { deviceId: 2, perProcess: true, env: {} },
        smi(() => 0),
      ),
    /no GPU 2 among the 2/,
  );
});

test('host memory: RSS growth from the baseline, never negative; a CPU profile is labelled cpu', () => {
  let rss = 100 * 2 ** 20;
  const meter = hostMemoryMeter(() => rss);
  rss += 10.5 * 2 ** 20;
  assert.equal(meter.read(), 11);
  rss = 0;
  assert.equal(meter.read(), 0);
  assert.equal(meter.source(), 'host-rss');
  assert.equal(deviceProduct('cpu', meter), 'cpu');
});
