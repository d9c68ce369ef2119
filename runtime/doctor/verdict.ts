// `vpo doctor`'s verdict (pure): per provider, from the gathered facts and the probe sessions,
// the API.md report — library, driver, devices, versionMatch, usable — with one summary line and
// one line of advice for each "no". versionMatch is false only for a real mismatch: provider files
// of another onnxruntime version than onnxruntime-node's, or a driver too old for their CUDA.
import { DIAGNOSED_PROVIDERS, type DiagnosedProvider } from '../../contract/execution-providers.ts';
import { driverAtLeast, type GpuDevice } from '../gpu/nvidia-smi.ts';
import type { ProbeResult } from '../inference/onnx-model.ts';
import type { CudaInstall } from '../inference/provider-install.ts';
import type { DoctorFacts, Failed, ProviderFiles } from './facts.ts';

export interface DeviceReport {
  name: string;
  memoryMiB: number;
  /** "9.0"; null for the CPU. */
  computeCapability: string | null;
}

export interface ProviderReport {
  name: DiagnosedProvider;
  library: boolean;
  driver: boolean;
  devices: DeviceReport[];
  versionMatch: boolean;
  usable: boolean;
  /** One line per "no", joined by newlines; empty when usable. */
  advice: string;
  /** The one-line state, as `vpo doctor` prints it after "NAME: ". */
  summary: string;
}

export type Probes = Partial<Record<DiagnosedProvider, ProbeResult>>;

const isFailed = <T extends object>(v: T | Failed | undefined): v is Failed => !!v && 'error' in v;

export const SETUP_ADVICE =
  'install the CUDA provider: `npm run setup:cuda` in a vpo checkout (onnxruntime-gpu of onnxruntime-node’s version and the CUDA 13 libraries, from PyPI), or run the vpo:VERSION-cuda image';

const missing = (files: ProviderFiles) => files.libraries.filter((l) => !l.path).map((l) => l.soname);

function gpuDevices(facts: DoctorFacts): DeviceReport[] {
  if (isFailed(facts.gpus)) return [];
  return facts.gpus.map((g: GpuDevice) => ({
    name: g.name,
    memoryMiB: g.memoryMiB,
    computeCapability: g.computeCapability,
  }));
}

function driverVersion(facts: DoctorFacts): string | undefined {
  if (!isFailed(facts.gpus) && facts.gpus[0]) return facts.gpus[0].driverVersion;
  return /Kernel Module\s+(\d+(?:\.\d+)+)/.exec(facts.driver.kernelModule ?? '')?.[1];
}

/** NVIDIA: the driver's library and kernel module, one advice line when either is missing. */
function nvidiaDriver(facts: DoctorFacts, minDriver: string): { ok: boolean; advice?: string } {
  if (facts.driver.libcuda && facts.driver.kernelModule) return { ok: true };
  const what = [
    facts.driver.libcuda ? '' : 'libcuda.so.1 not found',
    facts.driver.kernelModule ? '' : 'no /proc/driver/nvidia/version',
  ]
    .filter(Boolean)
    .join(', ');
  return {
    ok: false,
    advice: `no NVIDIA driver here (${what}): run on a machine with an NVIDIA GPU and driver >= ${minDriver}; on Kubernetes, request nvidia.com/gpu so the device plugin mounts the driver into the pod`,
  };
}

function cpuReport(facts: DoctorFacts, probe: ProbeResult | undefined): ProviderReport {
  const library = !isFailed(facts.binding);
  const usable = library && probe?.ok === true;
  const advice = [
    isFailed(facts.binding) ? `onnxruntime-node does not load: ${facts.binding.error}` : '',
    library && probe && !probe.ok ? `a CPU session failed: ${probe.message}` : '',
  ].filter(Boolean);
  return {
    name: 'cpu',
    library,
    driver: true,
    devices: [{ name: facts.cpu.model, memoryMiB: facts.cpu.memoryMiB, computeCapability: null }],
    versionMatch: true,
    usable,
    advice: advice.join('\n'),
    summary: usable
      ? `usable (${facts.cpu.cores} cores, ${facts.cpu.memoryMiB} MiB host memory)`
      : library
        ? 'cannot run'
        : 'library missing',
  };
}

function cudaReport(facts: DoctorFacts, probe: ProbeResult | undefined): ProviderReport {
  const install = isFailed(facts.cudaInstall) ? undefined : (facts.cudaInstall as CudaInstall | undefined);
  const minDriver = install?.minDriver ?? '580.65.06';
  const unresolved = missing(facts.cuda);
  const library = facts.cuda.present && install !== undefined && unresolved.length === 0;
  const driver = nvidiaDriver(facts, minDriver);
  const devices = gpuDevices(facts);
  const ortVersion = isFailed(facts.binding) ? undefined : facts.binding.version;
  const version = driverVersion(facts);
  const ortMismatch = install !== undefined && ortVersion !== undefined && install.onnxruntime !== ortVersion;
  const unknownFiles = facts.cuda.present && install === undefined;
  const driverTooOld = install !== undefined && version !== undefined && !driverAtLeast(version, minDriver);
  const versionMatch = !ortMismatch && !unknownFiles && !driverTooOld;
  const advice: string[] = [];
  let summary: string;
  if (!facts.cuda.present) {
    summary = 'library missing';
    advice.push(SETUP_ADVICE);
  } else if (isFailed(facts.cudaInstall)) {
    summary = 'library missing (unreadable install record)';
    advice.push(facts.cudaInstall.error);
  } else if (unknownFiles) {
    summary = 'library of unknown version (not installed by setup:cuda)';
    advice.push(`the CUDA provider file has no vpo-cuda.json record: ${SETUP_ADVICE}`);
  } else if (unresolved.length > 0) {
    summary = `library missing: ${unresolved.join(', ')} not found`;
    advice.push(
      `the loader does not find ${unresolved.join(', ')}: start vpo through bin/vpo.ts (it puts ${install?.libDir} on LD_LIBRARY_PATH), or set LD_LIBRARY_PATH=${install?.libDir}; if that folder is gone, run npm run setup:cuda again`,
    );
  } else if (!driver.ok) {
    summary = 'libraries present, no NVIDIA driver';
  } else if (!versionMatch) {
    summary = ortMismatch
      ? `version mismatch: provider files of onnxruntime ${install?.onnxruntime}, onnxruntime-node ${ortVersion}`
      : `version mismatch: driver ${version} is older than ${minDriver}`;
  } else if (devices.length === 0) {
    summary = 'libraries present, driver present, no GPU visible';
  } else if (!probe?.ok) {
    summary = `cannot run: ${probe ? probe.message : 'not probed'}`;
  } else {
    const d = devices[0]!;
    const more = devices.length > 1 ? ` (+${devices.length - 1} more)` : '';
    summary = `usable on ${d.name} (${d.memoryMiB} MiB, compute ${d.computeCapability})${more}, driver ${version}`;
  }
  if (!driver.ok && driver.advice) advice.push(driver.advice);
  if (ortMismatch)
    advice.push(
      `the CUDA provider files are onnxruntime ${install?.onnxruntime}, onnxruntime-node is ${ortVersion}: run npm run setup:cuda again`,
    );
  if (driverTooOld)
    advice.push(
      `driver ${version} is older than ${minDriver}, the oldest that runs CUDA ${install?.cudaMajor}: update the NVIDIA driver`,
    );
  if (driver.ok && devices.length === 0)
    advice.push(
      `the driver lists no GPU${isFailed(facts.gpus) ? ` (${facts.gpus.error})` : ''}: check nvidia-smi, NVIDIA_VISIBLE_DEVICES and CUDA_VISIBLE_DEVICES`,
    );
  if (probe && !probe.ok) advice.push(`a CUDA session failed: ${probe.message}`);
  const usable = library && driver.ok && versionMatch && devices.length > 0 && probe?.ok === true;
  return {
    name: 'cuda',
    library,
    driver: driver.ok,
    devices,
    versionMatch,
    usable,
    advice: advice.join('\n'),
    summary,
  };
}

function tensorrtReport(facts: DoctorFacts, probe: ProbeResult | undefined): ProviderReport {
  const unresolved = missing(facts.tensorrt);
  const library = facts.tensorrt.present && unresolved.length === 0;
  const driver = nvidiaDriver(facts, '580.65.06');
  const devices = gpuDevices(facts);
  const usable = library && driver.ok && probe?.ok === true;
  const advice: string[] = [];
  if (!facts.tensorrt.present)
    advice.push(
      'vpo installs no TensorRT provider (a ModelSession runs on cuda, webgpu or cpu); it would need libonnxruntime_providers_tensorrt.so from onnxruntime-gpu and TensorRT 10 (libnvinfer.so.10)',
    );
  else if (unresolved.length > 0)
    advice.push(`the loader does not find ${unresolved.join(', ')} (TensorRT 10)`);
  if (!driver.ok && driver.advice) advice.push(driver.advice);
  if (probe && !probe.ok) advice.push(`a TensorRT session failed: ${probe.message}`);
  const summary = !facts.tensorrt.present
    ? 'library missing'
    : unresolved.length > 0
      ? `library missing: ${unresolved.join(', ')} not found`
      : !driver.ok
        ? 'libraries present, no NVIDIA driver'
        : usable
          ? 'usable'
          : `cannot run${probe && !probe.ok ? `: ${probe.message}` : ''}`;
  return {
    name: 'tensorrt',
    library,
    driver: driver.ok,
    devices,
    versionMatch: true,
    usable,
    advice: advice.join('\n'),
    summary,
  };
}

function webgpuReport(facts: DoctorFacts, probe: ProbeResult | undefined): ProviderReport {
  const library =
    !isFailed(facts.binding) && facts.binding.backends.some((b) => b.name === 'webgpu' && b.bundled);
  const driver = facts.vulkan.loader !== undefined && facts.vulkan.icds.length > 0;
  const usable = library && driver && probe?.ok === true;
  const advice: string[] = [];
  if (!library) advice.push('this onnxruntime-node build bundles no WebGPU (Dawn) provider');
  if (!facts.vulkan.loader)
    advice.push(
      'Dawn needs the Vulkan loader libvulkan.so.1 (Debian: apt-get install libvulkan1, or unpack its .deb beside vpo and add it to LD_LIBRARY_PATH)',
    );
  else if (facts.vulkan.icds.length === 0)
    advice.push(
      'no Vulkan driver (ICD) is registered: install the GPU vendor’s Vulkan driver; in NVIDIA containers set NVIDIA_DRIVER_CAPABILITIES to include graphics, or point VK_DRIVER_FILES at nvidia_icd.json',
    );
  if (probe && !probe.ok) advice.push(`a WebGPU session failed: ${probe.message}`);
  const summary = !library
    ? 'library missing'
    : !facts.vulkan.loader
      ? 'library present (bundled Dawn), no Vulkan loader (libvulkan.so.1)'
      : !driver
        ? 'library present (bundled Dawn), Vulkan loader present, no Vulkan driver'
        : usable
          ? `usable (Dawn on Vulkan: ${facts.vulkan.icds.map((f) => f.split('/').at(-1)).join(', ')})`
          : `cannot run${probe && !probe.ok ? `: ${probe.message}` : ''}`;
  return {
    name: 'webgpu',
    library,
    driver,
    devices: [],
    versionMatch: true,
    usable,
    advice: advice.join('\n'),
    summary,
  };
}

/** Which providers are worth a probe session: everything else already says why it cannot run. */
export function probeCandidates(facts: DoctorFacts): DiagnosedProvider[] {
  const pre: Probes = {};
  const reports = verdict(facts, pre);
  return reports
    .filter((r) => r.library && r.driver && r.versionMatch && (r.name !== 'cuda' || r.devices.length > 0))
    .map((r) => r.name);
}

export function verdict(facts: DoctorFacts, probes: Probes): ProviderReport[] {
  const by: Record<DiagnosedProvider, () => ProviderReport> = {
    cpu: () => cpuReport(facts, probes.cpu),
    cuda: () => cudaReport(facts, probes.cuda),
    tensorrt: () => tensorrtReport(facts, probes.tensorrt),
    webgpu: () => webgpuReport(facts, probes.webgpu),
  };
  return DIAGNOSED_PROVIDERS.map((p) => by[p]());
}
