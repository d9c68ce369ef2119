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

export interface IngestMemoryBounds {
  maxPixelsPerFrame: number;
  /** Sampled frames × width × height: the RGB24 result of one video. */
  sampledPixels: number;
}

/** Bytes per pixel the memory limit allows for: 10-bit 4:2:0 (HDR phone video) or 8-bit 4:4:4. */
const bytesPerPixel = 3;
/** Pictures one decoder holds at most: 16 reference frames (H.264/HEVC), the current one, one out. */
const picturesPerDecoder = 18;
/** Node, the FFmpeg libraries, Kafka and HTTP clients: measured ~120 MiB idle, with headroom. */
const baseMiB = 384;

/**
 * The memory one ingest pod may use, from the decode bounds (pure): every concurrent decode may hold
 * a decoder's worth of pictures at maxPixelsPerFrame (the bound is checked before a decoder
 * allocates, so no video can take more), its packet buffers, and the sampled frames twice (the
 * worker's result and the copy being stored). Downloads go to a disk-backed emptyDir.
 */
export function ingestMemoryMiB(concurrency: number, bounds: IngestMemoryBounds): number {
  const decoderBytes = bounds.maxPixelsPerFrame * bytesPerPixel * picturesPerDecoder;
  const perDecodeMiB = Math.ceil((decoderBytes + 2 * 3 * bounds.sampledPixels) / mib) + 32;
  return baseMiB + concurrency * perDecodeMiB;
}

/**
 * An ingest pod decodes `concurrency` videos at once, one decode thread each: a CPU per decode, so
 * the planned capacity (concurrency over the CPU time per video) is what the scheduler reserves.
 * Memory is requested and limited at what the decode bounds allow (ingestMemoryMiB): a video over
 * them is a dead letter, never an out-of-memory kill that would crash-loop the pod on the same video.
 */
export function ingestResources(
  concurrency: number,
  bounds: IngestMemoryBounds,
): Record<string, Record<string, string>> {
  const memoryMiB = ingestMemoryMiB(concurrency, bounds);
  return {
    requests: { cpu: String(concurrency), memory: `${memoryMiB}Mi` },
    limits: { memory: `${memoryMiB}Mi` },
  };
}
