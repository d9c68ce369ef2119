// Finds (building on first use) the pinned Kubernetes binaries: build.sh caches them by version.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface K8sBinaries {
  binDir: string;
  etcd: string;
  kube: string;
  kwok: string;
  helm: string;
}

export const BUILD_SCRIPT = join(import.meta.dirname, 'build.sh');

export function binariesIn(binDir: string): K8sBinaries {
  return {
    binDir,
    etcd: join(binDir, 'etcd'),
    kube: join(binDir, 'kube'),
    kwok: join(binDir, 'kwok'),
    helm: join(binDir, 'helm'),
  };
}

/**
 * Runs build.sh (a no-op when every binary is cached) and returns the binaries' paths.
 * `progress` receives build.sh's own messages (not the Go compiler's output, which goes to logs).
 */
export function ensureBinaries(progress: (line: string) => void = () => {}): Promise<K8sBinaries> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [BUILD_SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      for (const line of chunk.split('\n').filter(Boolean)) progress(line);
    });
    child.once('error', (error) =>
      reject(new Error(`could not run ${BUILD_SCRIPT}: ${error.message}`, { cause: error })),
    );
    child.once('close', (code) => {
      const binDir = stdout.trim().split('\n').at(-1);
      if (code === 0 && binDir) resolve(binariesIn(binDir));
      else reject(new Error(`${BUILD_SCRIPT} failed (exit code ${code}):\n${stderr.trim()}`));
    });
  });
}
