// The pure half of `npm run setup:cuda`: which PyPI wheels to fetch for the installed
// onnxruntime-node, which files to take from each, and the checks that refuse a mismatch.
// The lock file (cuda-wheels.json) pins every wheel by version and sha256.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface LockedWheel {
  project: string;
  version: string;
  sha256: string;
  /** Paths inside the wheel; installed flat into one lib folder. */
  files: string[];
}

export interface CudaLock {
  platforms: string[];
  pythonVersion: string;
  onnxruntimeGpu: (Omit<LockedWheel, 'project'> & { cudaMajor: number })[];
  cuda: { major: number; minDriver: string; wheels: LockedWheel[] };
}

export interface SetupPlan {
  onnxruntime: string;
  cudaMajor: number;
  minDriver: string;
  /** onnxruntime-gpu first, then the CUDA libraries. */
  wheels: LockedWheel[];
  /** Names the install: a change of any pinned wheel is a new install folder. */
  key: string;
}

export function loadLock(file: string): CudaLock {
  return JSON.parse(readFileSync(file, 'utf8')) as CudaLock;
}

export type Planned = { ok: true; plan: SetupPlan } | { ok: false; message: string };

/** The wheels for onnxruntime-node `ortVersion`, or why there are none (a version mismatch). */
export function planSetup(
  lock: CudaLock,
  ortVersion: string,
  lockFile = 'scripts/cuda/cuda-wheels.json',
): Planned {
  const gpu = lock.onnxruntimeGpu.find((w) => w.version === ortVersion);
  if (!gpu) {
    const pinned = lock.onnxruntimeGpu.map((w) => w.version).join(', ');
    return {
      ok: false,
      message:
        `onnxruntime-node ${ortVersion} is installed, but ${lockFile} pins onnxruntime-gpu ${pinned} only. ` +
        `The CUDA provider loads only into a core of exactly its own version: pin onnxruntime-gpu ` +
        `${ortVersion} there (its sha256 and the CUDA major its wheel requires), or install onnxruntime-node ${pinned}.`,
    };
  }
  if (gpu.cudaMajor !== lock.cuda.major) {
    return {
      ok: false,
      message: `onnxruntime-gpu ${ortVersion} is built for CUDA ${gpu.cudaMajor}, but ${lockFile} pins CUDA ${lock.cuda.major} libraries`,
    };
  }
  const wheels = [{ project: 'onnxruntime-gpu', ...gpu }, ...lock.cuda.wheels].map(
    ({ project, version, sha256, files }) => ({ project, version, sha256, files }),
  );
  const key = createHash('sha256')
    .update(wheels.map((w) => `${w.project}==${w.version}#${w.sha256}:${w.files.join(',')}`).join('\n'))
    .digest('hex')
    .slice(0, 12);
  return {
    ok: true,
    plan: { onnxruntime: ortVersion, cudaMajor: gpu.cudaMajor, minDriver: lock.cuda.minDriver, wheels, key },
  };
}

/** pip's requirements file: pinned, hash-checked (`pip download --require-hashes`). */
export function requirementsText(wheels: LockedWheel[]): string {
  return wheels.map((w) => `${w.project}==${w.version} --hash=sha256:${w.sha256}\n`).join('');
}

/** A wheel's file name starts with the project (PEP 427: runs of -_. become _) and version. */
export function wheelPrefix(w: Pick<LockedWheel, 'project' | 'version'>): string {
  return `${w.project.replace(/[-_.]+/g, '_')}-${w.version}-`;
}

/**
 * The CUDA major a wheel's METADATA asks for through `nvidia-cuda-runtime~=MAJOR.x` (onnxruntime-gpu
 * declares it under its `cuda` extra), or undefined when it names none.
 */
export function cudaMajorOfMetadata(metadata: string): number | undefined {
  const m = /^Requires-Dist:\s*nvidia-cuda-runtime(?:-cu\d+)?\s*(?:~=|==|>=)\s*(\d+)/m.exec(metadata);
  return m ? Number(m[1]) : undefined;
}
