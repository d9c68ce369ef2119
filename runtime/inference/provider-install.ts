// Where onnxruntime-node keeps its native libraries, and what `npm run setup:cuda` installed
// beside them. No onnxruntime import here: the launcher (bin/vpo.ts) reads this before anything
// loads the binding, because the dynamic loader takes LD_LIBRARY_PATH only at process start.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The file setup:cuda writes into the binding's folder (scripts/cuda/setup-cuda.ts). */
export const CUDA_INSTALL_MARKER = 'vpo-cuda.json';

export interface CudaInstall {
  /** The onnxruntime version of the installed provider files (onnxruntime-gpu's wheel). */
  onnxruntime: string;
  /** The CUDA major the provider was built for; the driver must support it. */
  cudaMajor: number;
  /** The oldest NVIDIA driver that runs this CUDA release. */
  minDriver: string;
  /** The folder with the CUDA user-space libraries (on LD_LIBRARY_PATH through the launcher). */
  libDir: string;
  /** The PyPI wheels the files came from. */
  wheels: { project: string; version: string }[];
}

const packageDir = (): string => join(dirname(fileURLToPath(import.meta.resolve('onnxruntime-node'))), '..');

/** onnxruntime-node's folder of native libraries: the core, the binding, provider drop-ins. */
export function bindingDir(): string {
  return join(packageDir(), 'bin', 'napi-v6', process.platform, process.arch);
}

/** The installed onnxruntime-node version (its core library is of the same version). */
export function bindingVersion(): string {
  return (JSON.parse(readFileSync(join(packageDir(), 'package.json'), 'utf8')) as { version: string })
    .version;
}

export const providerLibrary = (name: string): string => `libonnxruntime_providers_${name}.so`;

/** The marker in `dir`; undefined when none; throws naming the file when it is not ours. */
export function readCudaInstall(dir: string = bindingDir()): CudaInstall | undefined {
  const file = join(dir, CUDA_INSTALL_MARKER);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const value = JSON.parse(text) as Partial<CudaInstall>;
  if (
    typeof value.onnxruntime !== 'string' ||
    typeof value.cudaMajor !== 'number' ||
    typeof value.minDriver !== 'string' ||
    typeof value.libDir !== 'string' ||
    !Array.isArray(value.wheels)
  ) {
    throw new Error(`${file} is not a setup:cuda install record: run npm run setup:cuda again`);
  }
  return value as CudaInstall;
}

/**
 * LD_LIBRARY_PATH with the installed CUDA libraries' folder in front, or undefined when nothing is
 * installed or the folder is on it already (then nothing needs to change).
 */
export function libraryPathWithCuda(
  current: string | undefined,
  install: CudaInstall | undefined,
): string | undefined {
  if (!install) return undefined;
  const dirs = (current ?? '').split(':').filter((d) => d !== '');
  if (dirs.includes(install.libDir)) return undefined;
  return [install.libDir, ...dirs].join(':');
}
