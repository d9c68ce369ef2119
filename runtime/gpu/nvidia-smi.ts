// The one place vpo asks NVIDIA's driver about GPUs: `nvidia-smi` (it ships with the driver, and
// the NVIDIA container toolkit mounts it into GPU pods), reading NVML's figures as CSV. Parsers
// are pure; the runner is injected so tests need no GPU.
import { execFileSync } from 'node:child_process';

export interface GpuDevice {
  index: number;
  uuid: string;
  /** NVML's device name, e.g. "NVIDIA H100 80GB HBM3". */
  name: string;
  memoryMiB: number;
  /** "9.0" for Hopper. */
  computeCapability: string;
  driverVersion: string;
}

/** Runs nvidia-smi with the arguments and returns its stdout; throws when it cannot. */
export type NvidiaSmi = (args: string[]) => string;

export const runNvidiaSmi: NvidiaSmi = (args) =>
  execFileSync('nvidia-smi', args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });

const GPU_FIELDS = 'index,uuid,name,memory.total,compute_cap,driver_version';

const rows = (csv: string): string[][] =>
  csv
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => l.split(',').map((f) => f.trim()));

/** `--query-gpu=${GPU_FIELDS} --format=csv,noheader,nounits` output → devices. */
export function parseGpus(csv: string): GpuDevice[] {
  return rows(csv).map((f) => {
    if (f.length < 6) throw new Error(`nvidia-smi printed an unexpected line: ${f.join(',')}`);
    return {
      index: Number(f[0]),
      uuid: f[1]!,
      name: f[2]!,
      memoryMiB: Number(f[3]),
      computeCapability: f[4]!,
      driverVersion: f[5]!,
    };
  });
}

export function queryGpus(smi: NvidiaSmi = runNvidiaSmi): GpuDevice[] {
  return parseGpus(smi([`--query-gpu=${GPU_FIELDS}`, '--format=csv,noheader,nounits']));
}

/** `--query-compute-apps=pid,gpu_uuid,used_memory` output → MiB per pid (all its GPUs summed). */
export function parseComputeApps(csv: string): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const f of rows(csv)) {
    const pid = Number(f[0]);
    const used = Number(f[2]);
    if (Number.isInteger(pid) && Number.isFinite(used)) byPid.set(pid, (byPid.get(pid) ?? 0) + used);
  }
  return byPid;
}

/** `--query-gpu=index,memory.used` output → MiB used per device index. */
export function parseUsedMemory(csv: string): Map<number, number> {
  return new Map(rows(csv).map((f) => [Number(f[0]), Number(f[1])]));
}

export type DeviceMemory = { memoryMiB: number; source: 'nvml-process' | 'nvml-device' };

/**
 * Device memory this process uses, from NVML: its own entry among the compute processes when the
 * driver shows it (`nvml-process`); inside a container the driver lists host PIDs, so then the
 * device's used memory minus `baselineMiB`, read before the process touched it (`nvml-device`: exact
 * when the GPU is the pod's alone, as the device plugin hands it out).
 */
export function deviceMemory(
  pid: number,
  device: { index: number; baselineMiB: number },
  smi: NvidiaSmi = runNvidiaSmi,
): DeviceMemory {
  const own = parseComputeApps(
    smi(['--query-compute-apps=pid,gpu_uuid,used_memory', '--format=csv,noheader,nounits']),
  ).get(pid);
  if (own !== undefined) return { memoryMiB: own, source: 'nvml-process' };
  const used = parseUsedMemory(smi(['--query-gpu=index,memory.used', '--format=csv,noheader,nounits'])).get(
    device.index,
  );
  if (used === undefined) throw new Error(`nvidia-smi shows no GPU ${device.index}`);
  return { memoryMiB: Math.max(0, used - device.baselineMiB), source: 'nvml-device' };
}

/** Device memory in use per index now (the baseline for `deviceMemory`). */
export function usedMemory(smi: NvidiaSmi = runNvidiaSmi): Map<number, number> {
  return parseUsedMemory(smi(['--query-gpu=index,memory.used', '--format=csv,noheader,nounits']));
}

/** Compares dotted driver versions ("580.65.06" ≥ "580.65.6" numerically per part). */
export function driverAtLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}
