// What `vpo doctor` looks at, gathered once: the binding and its providers, what setup:cuda
// installed, whether the loader finds each library a provider needs, the NVIDIA driver (its
// libcuda.so.1 and kernel module), the GPUs nvidia-smi lists, the Vulkan loader and drivers
// Dawn (webgpu) needs, and the host CPU. Nothing here decides anything (verdict.ts does).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GpuDevice } from '../gpu/nvidia-smi.ts';
import type { BindingInfo } from '../inference/onnx-model.ts';
import type { CudaInstall } from '../inference/provider-install.ts';
import type { ResolvedLibrary } from './shared-libraries.ts';

export type Failed = { error: string };

export interface ProviderFiles {
  /** libonnxruntime_providers_NAME.so in the binding's folder (a link must resolve). */
  present: boolean;
  /** Its dependencies as the loader resolves them (ldd), and the libraries it opens by name. */
  libraries: ResolvedLibrary[];
}

export interface DoctorFacts {
  binding: BindingInfo | Failed;
  cpu: { model: string; cores: number; memoryMiB: number };
  cudaInstall: CudaInstall | undefined | Failed;
  cuda: ProviderFiles;
  tensorrt: ProviderFiles;
  driver: {
    /** Where the loader finds libcuda.so.1 (the driver's user-space half). */
    libcuda?: string;
    /** The first line of /proc/driver/nvidia/version (the kernel module). */
    kernelModule?: string;
  };
  gpus: GpuDevice[] | Failed;
  vulkan: { loader?: string; icds: string[] };
}

/** Libraries the CUDA provider opens by name at run time (ORT's cuDNN and cuFFT loaders, NVRTC). */
export function dlopenedByCuda(cudaMajor: number): string[] {
  return ['libcudnn.so.9', `libcufft.so.${cudaMajor - 1}`, `libnvrtc.so.${cudaMajor}`];
}

export interface GatherDeps {
  binding: () => BindingInfo;
  install: (dir: string) => CudaInstall | undefined;
  ldd: (file: string) => ResolvedLibrary[];
  find: (soname: string) => string | undefined;
  gpus: () => GpuDevice[];
  env: NodeJS.ProcessEnv;
}

const failed = (err: unknown): Failed => ({ error: (err as Error).message });

function providerFiles(dir: string, name: string, deps: GatherDeps, dlopened: string[]): ProviderFiles {
  const file = path.join(dir, `libonnxruntime_providers_${name}.so`);
  if (!existsSync(file)) return { present: false, libraries: [] };
  const direct = deps.ldd(file).filter((l) => l.soname !== 'libcuda.so.1');
  const byName = dlopened.map((soname) => {
    const found = deps.find(soname);
    return found ? { soname, path: found } : { soname };
  });
  // A library found by name must have its own dependencies too (cuDNN needs zlib, for one).
  const indirect = byName.flatMap((l) => (l.path ? deps.ldd(l.path) : [])).filter((l) => !l.path);
  return { present: true, libraries: [...direct, ...byName, ...indirect] };
}

function vulkanIcds(env: NodeJS.ProcessEnv): string[] {
  const listed = (env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES ?? '')
    .split(':')
    .filter((f) => f && existsSync(f));
  if (listed.length > 0) return listed;
  const dataDirs = (env.XDG_DATA_DIRS ?? '/usr/local/share:/usr/share').split(':');
  const dirs = ['/etc/vulkan/icd.d', ...dataDirs.map((d) => path.join(d, 'vulkan', 'icd.d'))];
  return dirs.flatMap((d) => {
    try {
      return readdirSync(d)
        .filter((f) => f.endsWith('.json'))
        .map((f) => path.join(d, f));
    } catch {
      return [];
    }
  });
}

export function gatherFacts(deps: GatherDeps): DoctorFacts {
  let binding: BindingInfo | Failed;
  try {
    binding = deps.binding();
  } catch (err) {
    binding = failed(err);
  }
  const dir = 'dir' in binding ? binding.dir : '';
  let cudaInstall: CudaInstall | undefined | Failed;
  try {
    cudaInstall = dir ? deps.install(dir) : undefined;
  } catch (err) {
    cudaInstall = failed(err);
  }
  const cudaMajor = cudaInstall && 'cudaMajor' in cudaInstall ? cudaInstall.cudaMajor : 13;
  let gpus: GpuDevice[] | Failed;
  try {
    gpus = deps.gpus();
  } catch (err) {
    gpus = failed(err);
  }
  let kernelModule: string | undefined;
  try {
    kernelModule = readFileSync('/proc/driver/nvidia/version', 'utf8').split('\n')[0]?.trim();
  } catch {
    kernelModule = undefined;
  }
  const libcuda = deps.find('libcuda.so.1');
  const loader = deps.find('libvulkan.so.1');
  return {
    binding,
    cpu: {
      model: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
      cores: os.availableParallelism(),
      memoryMiB: Math.floor(os.totalmem() / 2 ** 20),
    },
    cudaInstall,
    cuda: dir
      ? providerFiles(dir, 'cuda', deps, dlopenedByCuda(cudaMajor))
      : { present: false, libraries: [] },
    tensorrt: dir ? providerFiles(dir, 'tensorrt', deps, []) : { present: false, libraries: [] },
    driver: { ...(libcuda ? { libcuda } : {}), ...(kernelModule ? { kernelModule } : {}) },
    gpus,
    vulkan: { ...(loader ? { loader } : {}), icds: vulkanIcds(deps.env) },
  };
}
