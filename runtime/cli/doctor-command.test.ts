import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { DoctorFacts } from '../doctor/facts.ts';
import { readCudaInstall } from '../inference/provider-install.ts';
import { doctorCommand } from './doctor-command.ts';

const capture = () => {
  const io = { out: '', err: '' };
  return { io, sink: { out: (s: string) => (io.out += s), err: (s: string) => (io.err += s) } };
};

const gpuMachine = (): DoctorFacts => ({
  binding: { version: '1.30.0', dir: '/b', backends: [{ name: 'cpu', bundled: true }] },
  cpu: { model: 'Xeon', cores: 16, memoryMiB: 131072 },
  cudaInstall: { onnxruntime: '1.30.0', cudaMajor: 13, minDriver: '580.65.06', libDir: '/l', wheels: [] },
  cuda: { present: true, libraries: [{ soname: 'libcudart.so.13', path: '/l/libcudart.so.13' }] },
  tensorrt: { present: false, libraries: [] },
  driver: {
    libcuda: '/usr/lib/libcuda.so.1',
    kernelModule: 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.95.05',
  },
  gpus: [
    {
      index: 0,
      uuid: 'GPU-1',
      name: 'NVIDIA H200',
      memoryMiB: 143771,
      computeCapability: '9.0',
      driverVersion: '580.95.05',
    },
  ],
  vulkan: { icds: [] },
});

test('-o json is the API.md contract: providers with name, library, driver, devices, versionMatch, usable, advice', async () => {
  const { io, sink } = capture();
  const probed: string[] = [];
  const code = await doctorCommand(['-o', 'json', '--device-id', '0'], sink, {
    gather: gpuMachine,
    probe: async (p) => {
      probed.push(p);
      return { ok: true };
    },
  });
  assert.equal(code, 0, io.err);
  const { providers } = JSON.parse(io.out);
  assert.deepEqual(
    providers.map((p: { name: string }) => p.name),
    ['cpu', 'cuda', 'tensorrt', 'webgpu'],
  );
  for (const p of providers) {
    for (const key of ['library', 'driver', 'versionMatch', 'usable'])
      assert.equal(typeof p[key], 'boolean', key);
    assert.equal(typeof p.advice, 'string');
    assert.ok(Array.isArray(p.devices));
  }
  const cuda = providers.find((p: { name: string }) => p.name === 'cuda');
  assert.deepEqual(cuda.devices, [{ name: 'NVIDIA H200', memoryMiB: 143771, computeCapability: '9.0' }]);
  assert.equal(cuda.usable, true);
  assert.deepEqual(probed, ['cpu', 'cuda'], 'probes only what could run: no tensorrt files, no Vulkan');
});

test('--require fails the exit code when a required provider is not usable; bad arguments are refused', async () => {
  const noGpu = (): DoctorFacts => ({
    ...gpuMachine(),
    driver: {},
    gpus: { error: 'nvidia-smi: not found' },
  });
  const { io, sink } = capture();
  const code = await doctorCommand(['--require', 'cpu,cuda'], sink, {
    gather: noGpu,
    probe: async () => ({ ok: true }),
  });
  assert.equal(code, 1);
  assert.match(io.out, /^cuda: libraries present, no NVIDIA driver$/m);
  assert.match(io.err, /required but not usable: cuda/);
  const bad = capture();
  assert.equal(await doctorCommand(['--require', 'tpu'], bad.sink), 1);
  assert.match(bad.io.err, /unknown provider tpu/);
  assert.equal(await doctorCommand(['-o', 'yaml'], bad.sink), 1);
});

test('vpo doctor on this machine, through the launcher: cpu usable; cuda as setup:cuda left it', async () => {
  const bin = new URL('../../bin/vpo.ts', import.meta.url).pathname;
  const { stdout } = await promisify(execFile)(process.execPath, [bin, 'doctor', '-o', 'json'], {
    encoding: 'utf8',
  });
  const providers = JSON.parse(stdout).providers as {
    name: string;
    library: boolean;
    usable: boolean;
    summary: string;
  }[];
  const by = (n: string) => providers.find((p) => p.name === n)!;
  assert.equal(by('cpu').usable, true);
  // What this checkout and machine have: the record setup:cuda writes, and an NVIDIA kernel module.
  const installed = readCudaInstall() !== undefined;
  const driver = existsSync('/proc/driver/nvidia/version');
  if (!installed) assert.equal(by('cuda').summary, 'library missing');
  // This test process has no LD_LIBRARY_PATH: the libraries resolve because the launcher set it.
  else if (!driver) assert.equal(by('cuda').summary, 'libraries present, no NVIDIA driver');
  else assert.equal(by('cuda').library, true);
});
