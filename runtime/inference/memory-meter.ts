// What a profile records as a session's memory per batch size (`memoryMiB`), and where it comes
// from. Created before the model loads: the baseline it subtracts is taken then.
// - cpu: host memory, the process's RSS growth (what a CPU backend's memory limit must hold).
// - cuda: device memory, from NVML through nvidia-smi: this process's own entry among the compute
//   apps (context, weights, the CUDA provider's arena), or inside a container, where NVML lists
//   host PIDs, the device's used memory minus the baseline (exact on a GPU the pod has alone).
//   onnxruntime-node passes no arena options to the CUDA provider (no gpu_mem_limit), so the arena
//   grows by ONNX Runtime's default, kNextPowerOfTwo, and never shrinks: batches are profiled in
//   ascending order, so each figure is what the process holds after running that batch size,
//   which is the footprint the planner packs.
// - webgpu: device memory as the device delta (Dawn's Vulkan allocations are not compute apps).
import {
  type DeviceMemory,
  deviceMemory,
  type GpuDevice,
  type NvidiaSmi,
  queryGpus,
  runNvidiaSmi,
  usedMemory,
} from '../gpu/nvidia-smi.ts';

const MiB = 2 ** 20;

export interface MemoryMeter {
  /** host: RSS; device: GPU memory. Profiles say which (CPU profiles hold host memory). */
  kind: 'host' | 'device';
  /** Where the figure comes from: host-rss, nvml-process or nvml-device. */
  source(): string;
  /** MiB the model uses now. */
  read(): number;
  /** The GPU measured, for the product label; undefined for host memory. */
  device?: GpuDevice;
}

export function hostMemoryMeter(rss: () => number = () => process.memoryUsage().rss): MemoryMeter {
  const baseline = rss();
  return {
    kind: 'host',
    source: () => 'host-rss',
    read: () => Math.max(0, Math.ceil((rss() - baseline) / MiB)),
  };
}

/**
 * The nvidia-smi device behind CUDA device `deviceId`: CUDA numbers the devices it is allowed to
 * see (CUDA_VISIBLE_DEVICES: indices or GPU-UUIDs), nvidia-smi numbers all of them.
 */
export function visibleDevice(
  gpus: GpuDevice[],
  deviceId: number,
  env: NodeJS.ProcessEnv,
): GpuDevice | undefined {
  const visible = env.CUDA_VISIBLE_DEVICES?.split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (!visible) return gpus.find((g) => g.index === deviceId);
  const entry = visible[deviceId];
  if (entry === undefined) return undefined;
  return /^\d+$/.test(entry)
    ? gpus.find((g) => g.index === Number(entry))
    : gpus.find((g) => g.uuid.startsWith(entry));
}

export function deviceMemoryMeter(
  options: { deviceId: number; perProcess: boolean; env?: NodeJS.ProcessEnv; pid?: number },
  smi: NvidiaSmi = runNvidiaSmi,
): MemoryMeter {
  const gpus = queryGpus(smi);
  const device = visibleDevice(gpus, options.deviceId, options.env ?? process.env);
  if (!device)
    throw new Error(
      `no GPU ${options.deviceId} among the ${gpus.length} nvidia-smi lists (CUDA_VISIBLE_DEVICES=${(options.env ?? process.env).CUDA_VISIBLE_DEVICES ?? 'unset'})`,
    );
  const baselineMiB = usedMemory(smi).get(device.index) ?? 0;
  let last: DeviceMemory['source'] = 'nvml-device';
  const pid = options.pid ?? process.pid;
  return {
    kind: 'device',
    device,
    source: () => last,
    read: () => {
      const m = options.perProcess
        ? deviceMemory(pid, { index: device.index, baselineMiB }, smi)
        : {
            memoryMiB: Math.max(0, (usedMemory(smi).get(device.index) ?? 0) - baselineMiB),
            source: 'nvml-device' as const,
          };
      last = m.source;
      return m.memoryMiB;
    },
  };
}

/** cpu: host RSS; cuda and webgpu: the GPU's memory. */
export function memoryMeterFor(provider: string, deviceId = 0): MemoryMeter {
  if (provider === 'cpu') return hostMemoryMeter();
  return deviceMemoryMeter({ deviceId, perProcess: provider === 'cuda' });
}
