import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RuntimeFile } from '../../contract/runtime-file.ts';
import { systemClock } from '../clock.ts';
import { ProviderUnavailableError } from '../doctor/doctor.ts';
import type { DoctorFacts } from '../doctor/facts.ts';
import { diamondConfig } from '../executor/fixtures.test-support.ts';
import { silentLogger } from '../logger.ts';
import { createRuntimeMetrics } from '../metrics.ts';
import { startBackendRole } from './backend-role.ts';

/** This development machine after `npm run setup:cuda`: CUDA libraries, no NVIDIA driver. */
const noDriver = (): DoctorFacts => ({
  binding: { version: '1.30.0', dir: '/b', backends: [{ name: 'cpu', bundled: true }] },
  cpu: { model: 'cpu', cores: 2, memoryMiB: 1024 },
  cudaInstall: { onnxruntime: '1.30.0', cudaMajor: 13, minDriver: '580.65.06', libDir: '/l', wheels: [] },
  cuda: { present: true, libraries: [{ soname: 'libcudart.so.13', path: '/l/libcudart.so.13' }] },
  tensorrt: { present: false, libraries: [] },
  driver: {},
  gpus: { error: 'nvidia-smi: not found' },
  vulkan: { icds: [] },
});

function fileWith(provider: 'cuda' | 'cpu'): RuntimeFile {
  const config = diamondConfig();
  return {
    version: 1,
    runtime: {
      ...config,
      stages: config.stages.map((s) => (s.name === 'scene' ? { ...s, executionProvider: provider } : s)),
    },
    // Never reached: the provider check comes first.
    kafka: {
      brokers: ['127.0.0.1:1'],
      createTopics: false,
      settings: {} as RuntimeFile['kafka']['settings'],
    },
    frameStore: { root: '/dev/null/frames' },
  } as RuntimeFile;
}

const deps = (probed: string[]) => ({
  clock: systemClock,
  logger: silentLogger,
  metrics: createRuntimeMetrics(),
  clientId: 'test',
  doctor: {
    gather: noDriver,
    probe: async (p: string) => {
      probed.push(p);
      return { ok: true as const };
    },
  },
});

test('a backend hosting a cuda session on a machine without a driver refuses to start with the doctor line', async () => {
  const probed: string[] = [];
  await assert.rejects(
    startBackendRole(
      fileWith('cuda'),
      { stages: ['scene', 'fusion'] },
      { host: '127.0.0.1', port: 0 },
      deps(probed),
    ),
    (err: Error) => {
      assert.ok(err instanceof ProviderUnavailableError);
      assert.equal(err.provider, 'cuda');
      assert.equal(
        err.message.split(' (no NVIDIA driver here')[0],
        'stage scene (session scene-session) needs cuda: libraries present, no NVIDIA driver',
      );
      assert.match(err.message, /request nvidia\.com\/gpu/);
      return true;
    },
  );
  assert.deepEqual(probed, ['cpu'], 'the cpu stage was checked too; cuda was not probed without a driver');
});

test('a backend whose stages all run on the cpu passes the check (and fails later: no frame store under /dev/null)', async () => {
  const probed: string[] = [];
  await assert.rejects(
    startBackendRole(fileWith('cpu'), { stages: ['scene'] }, { host: '127.0.0.1', port: 0 }, deps(probed)),
    (err: Error) => !(err instanceof ProviderUnavailableError),
  );
  assert.deepEqual(probed, ['cpu']);
});
