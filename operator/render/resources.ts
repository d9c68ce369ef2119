// Container resources of a backend from the ModelSessions it hosts: the sum of their cpu and
// memory requests, and exactly one nvidia.com/gpu. Pure.

import type { ModelSession } from '../../contract/crd-types.generated.ts';
import { parseQuantity } from '../api/quantity.ts';

const GPU = 'nvidia.com/gpu';
const mib = 2 ** 20;

function sum(values: (string | undefined)[], fallback: number): number {
  let total = 0;
  for (const v of values) total += (v !== undefined ? parseQuantity(v) : undefined) ?? fallback;
  return total;
}

export function backendResources(sessions: ModelSession[]): Record<string, Record<string, string>> {
  const cpuMillis = Math.ceil(
    sum(
      sessions.map((s) => s.spec.resources?.cpu),
      1,
    ) * 1000,
  );
  const memoryMiB = Math.ceil(
    sum(
      sessions.map((s) => s.spec.resources?.memory),
      2 * 1024 * mib,
    ) / mib,
  );
  return {
    requests: { cpu: `${cpuMillis}m`, memory: `${memoryMiB}Mi`, [GPU]: '1' },
    limits: { memory: `${memoryMiB}Mi`, [GPU]: '1' },
  };
}

/**
 * An ingest pod decodes `concurrency` videos at once, one ffmpeg thread each: a CPU per decode, so
 * the planned capacity (concurrency within the ingest allowance) is what the scheduler reserves.
 * Memory: a decoded clip is a few MB; downloads go to a temp dir, bounded by maxVideoBytes.
 */
export function ingestResources(concurrency: number): Record<string, Record<string, string>> {
  const memoryMiB = 512 + 256 * concurrency;
  return {
    requests: { cpu: String(concurrency), memory: `${memoryMiB}Mi` },
    limits: { memory: `${2 * memoryMiB}Mi` },
  };
}
