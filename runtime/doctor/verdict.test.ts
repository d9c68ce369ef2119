import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CudaInstall } from '../inference/provider-install.ts';
import type { DoctorFacts } from './facts.ts';
import { formatReport } from './format.ts';
import { type ProviderReport, probeCandidates, SETUP_ADVICE, verdict } from './verdict.ts';

const install: CudaInstall = {
  onnxruntime: '1.30.0',
  cudaMajor: 13,
  minDriver: '580.65.06',
  libDir: '/cache/cuda/lib',
  wheels: [{ project: 'onnxruntime-gpu', version: '1.30.0' }],
};

const cudaLibs = [
  'libcublasLt.so.13',
  'libcublas.so.13',
  'libcurand.so.10',
  'libcudart.so.13',
  'libcudnn.so.9',
];
const h100 = {
  index: 0,
  uuid: 'GPU-1',
  name: 'NVIDIA H100 80GB HBM3',
  memoryMiB: 81559,
  computeCapability: '9.0',
  driverVersion: '580.95.05',
};

/** This development machine after `npm run setup:cuda`: libraries, no driver, no GPU. */
function facts(over: Partial<DoctorFacts> = {}): DoctorFacts {
  return {
    binding: {
      version: '1.30.0',
      dir: '/binding',
      backends: [
        { name: 'cpu', bundled: true },
        { name: 'webgpu', bundled: true },
        { name: 'cuda', bundled: false },
        { name: 'tensorrt', bundled: false },
      ],
    },
    cpu: { model: 'AMD EPYC', cores: 2, memoryMiB: 24105 },
    cudaInstall: install,
    cuda: {
      present: true,
      libraries: cudaLibs.map((soname) => ({ soname, path: `/cache/cuda/lib/${soname}` })),
    },
    tensorrt: { present: false, libraries: [] },
    driver: {},
    gpus: { error: 'spawnSync nvidia-smi ENOENT' },
    vulkan: { icds: [] },
    ...over,
  };
}

const withGpu: Partial<DoctorFacts> = {
  driver: {
    libcuda: '/usr/lib/x86_64-linux-gnu/libcuda.so.1',
    kernelModule: 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.95.05  Tue Sep 30 2025',
  },
  gpus: [h100],
};

const report = (reports: ProviderReport[], name: string) => reports.find((r) => r.name === name)!;

test('before setup:cuda: "cuda: library missing", with the one command that installs it', () => {
  const cuda = report(
    verdict(facts({ cudaInstall: undefined, cuda: { present: false, libraries: [] } }), {}),
    'cuda',
  );
  assert.equal(cuda.summary, 'library missing');
  assert.equal(cuda.library, false);
  assert.equal(cuda.versionMatch, true, 'nothing installed, nothing mismatched');
  const lines = cuda.advice.split('\n');
  assert.equal(lines.length, 2, 'one line per "no": library and driver');
  assert.equal(lines[0], SETUP_ADVICE);
  assert.match(lines[1]!, /no NVIDIA driver here/);
});

test('after setup:cuda on a machine without a GPU: "cuda: libraries present, no NVIDIA driver"', () => {
  const reports = verdict(facts(), { cpu: { ok: true } });
  const cuda = report(reports, 'cuda');
  assert.deepEqual(
    { library: cuda.library, driver: cuda.driver, usable: cuda.usable, versionMatch: cuda.versionMatch },
    { library: true, driver: false, usable: false, versionMatch: true },
  );
  assert.equal(cuda.summary, 'libraries present, no NVIDIA driver');
  assert.equal(cuda.advice.split('\n').length, 1, 'one line of advice for the one "no"');
  assert.match(cuda.advice, /libcuda\.so\.1 not found, no \/proc\/driver\/nvidia\/version.*>= 580\.65\.06/);
  assert.match(formatReport(reports), /^cuda: libraries present, no NVIDIA driver$/m);
  assert.deepEqual(probeCandidates(facts()), ['cpu'], 'no probe session where the driver is missing');
});

test('libraries the loader cannot find are named, with the folder to put on LD_LIBRARY_PATH', () => {
  const cuda = report(
    verdict(
      facts({
        cuda: {
          present: true,
          libraries: [{ soname: 'libcublas.so.13' }, { soname: 'libz.so.1', path: '/x' }],
        },
      }),
      {},
    ),
    'cuda',
  );
  assert.equal(cuda.library, false);
  assert.equal(cuda.summary, 'library missing: libcublas.so.13 not found');
  assert.match(cuda.advice, /LD_LIBRARY_PATH=\/cache\/cuda\/lib/);
});

test('a provider of another onnxruntime version, or an old driver, is a version mismatch, never used', () => {
  const other = report(
    verdict(facts({ ...withGpu, cudaInstall: { ...install, onnxruntime: '1.29.0' } }), {}),
    'cuda',
  );
  assert.equal(other.versionMatch, false);
  assert.equal(other.usable, false);
  assert.match(
    other.summary,
    /version mismatch: provider files of onnxruntime 1\.29\.0, onnxruntime-node 1\.30\.0/,
  );
  assert.match(other.advice, /run npm run setup:cuda again/);
  const old = report(
    verdict(facts({ ...withGpu, gpus: [{ ...h100, driverVersion: '575.57.08' }] }), {}),
    'cuda',
  );
  assert.equal(old.versionMatch, false);
  assert.match(old.summary, /driver 575\.57\.08 is older than 580\.65\.06/);
  assert.deepEqual(probeCandidates(facts({ ...withGpu, gpus: [{ ...h100, driverVersion: '575.57.08' }] })), [
    'cpu',
  ]);
  const unknown = report(verdict(facts({ ...withGpu, cudaInstall: undefined }), {}), 'cuda');
  assert.equal(unknown.versionMatch, false);
  assert.match(unknown.summary, /unknown version/);
});

test('on a GPU machine cuda is usable only when its probe session ran', () => {
  const f = facts(withGpu);
  assert.deepEqual(probeCandidates(f), ['cpu', 'cuda']);
  const usable = report(verdict(f, { cuda: { ok: true } }), 'cuda');
  assert.equal(usable.usable, true);
  assert.equal(usable.advice, '');
  assert.equal(usable.summary, 'usable on NVIDIA H100 80GB HBM3 (81559 MiB, compute 9.0), driver 580.95.05');
  assert.deepEqual(usable.devices, [
    { name: 'NVIDIA H100 80GB HBM3', memoryMiB: 81559, computeCapability: '9.0' },
  ]);
  const failed = report(
    verdict(f, { cuda: { ok: false, message: 'CUDA failure 100: no CUDA-capable device' } }),
    'cuda',
  );
  assert.equal(failed.usable, false);
  assert.equal(failed.summary, 'cannot run: CUDA failure 100: no CUDA-capable device');
  const none = report(verdict(facts({ ...withGpu, gpus: [] }), {}), 'cuda');
  assert.equal(none.summary, 'libraries present, driver present, no GPU visible');
  assert.match(none.advice, /NVIDIA_VISIBLE_DEVICES/);
});

test('webgpu: bundled Dawn needs a Vulkan loader and a Vulkan driver', () => {
  const noLoader = report(verdict(facts(), {}), 'webgpu');
  assert.equal(noLoader.library, true);
  assert.equal(noLoader.summary, 'library present (bundled Dawn), no Vulkan loader (libvulkan.so.1)');
  assert.match(noLoader.advice, /libvulkan1/);
  const noIcd = report(
    verdict(facts({ vulkan: { loader: '/usr/lib/libvulkan.so.1', icds: [] } }), {}),
    'webgpu',
  );
  assert.match(noIcd.summary, /no Vulkan driver/);
  assert.match(noIcd.advice, /NVIDIA_DRIVER_CAPABILITIES/);
  const vk = facts({
    vulkan: { loader: '/usr/lib/libvulkan.so.1', icds: ['/usr/share/vulkan/icd.d/nvidia_icd.json'] },
  });
  assert.ok(probeCandidates(vk).includes('webgpu'));
  assert.match(
    report(verdict(vk, { webgpu: { ok: true } }), 'webgpu').summary,
    /usable \(Dawn on Vulkan: nvidia_icd\.json\)/,
  );
});

test('tensorrt is reported, never installed; cpu is usable where its probe ran', () => {
  const reports = verdict(facts(), { cpu: { ok: true } });
  assert.deepEqual(
    reports.map((r) => r.name),
    ['cpu', 'cuda', 'tensorrt', 'webgpu'],
  );
  const trt = report(reports, 'tensorrt');
  assert.equal(trt.summary, 'library missing');
  assert.match(trt.advice, /installs no TensorRT provider/);
  const cpu = report(reports, 'cpu');
  assert.equal(cpu.usable, true);
  assert.deepEqual(cpu.devices, [{ name: 'AMD EPYC', memoryMiB: 24105, computeCapability: null }]);
  assert.equal(report(verdict(facts(), {}), 'cpu').usable, false, 'not usable without a probe');
});
