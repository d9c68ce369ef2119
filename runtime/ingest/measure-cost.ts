// Measures what ingesting each video costs on this machine: one video at a time through the real
// ingestor (read from disk, decode in its worker, sample, store), each timed by the process's CPU
// time (every thread: the decode worker's and the main thread's share of storing the frames), the
// median of a few repeats. The summary is the pipeline's `ingestProfile` (the planner's figure);
// the decode thread's own CPU time is kept beside it (what the pods' vpo_decode_cpu_seconds shows).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { VideoPipelineIngestProfile } from '../../contract/crd-types.generated.ts';
import { createDirFrameStore } from '../framestore/dir-store.ts';
import { resolutionClass } from './cost-class.ts';
import { IngestError } from './errors.ts';
import type { IngestOptions } from './ingestor.ts';
import { createIngestor } from './ingestor.ts';

export interface VideoCost {
  file: string;
  codec: string;
  resolution: string;
  /** Median process CPU time of one ingest, ms. */
  cpuMs: number;
  /** Median CPU time of the decode thread alone, ms. */
  decodeCpuMs: number;
  /** Frames the codec decoded. */
  codecFrames: number;
}

export interface CostMeasurement {
  videos: VideoCost[];
  failures: { file: string; reason: string; message: string }[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? 0;

const cpuMsSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

/** Ingests each file `repeats` times, one at a time, after one warm-up ingest. */
export async function measureIngestCost(
  files: string[],
  options: Pick<
    IngestOptions,
    'sampling' | 'maxPixelsPerFrame' | 'maxDecodedBytesPerVideo' | 'decoder' | 'maxDurationSeconds' | 'resize'
  >,
  repeats: number,
): Promise<CostMeasurement> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'vpo-ingest-cost-'));
  const frameStore = await createDirFrameStore({ root, ttlSeconds: 600 });
  const ingestor = createIngestor(
    { ...options, allowedUriSchemes: ['file'], maxVideoBytes: Number.MAX_SAFE_INTEGER, decodeConcurrency: 1 },
    { frameStore },
  );
  const result: CostMeasurement = { videos: [], failures: [] };
  const once = async (file: string, id: string) => {
    const start = process.cpuUsage();
    const { frameRef, meta } = await ingestor.ingest({
      videoId: id,
      uri: pathToFileURL(path.resolve(file)).href,
    });
    const cpuMs = cpuMsSince(start);
    await frameStore.release(frameRef);
    return { cpuMs, meta };
  };
  try {
    let warm = false;
    for (const file of files) {
      try {
        if (!warm) await once(file, 'warm-up');
        warm = true;
        const runs = [];
        for (let i = 0; i < repeats; i++) runs.push(await once(file, `v${i}`));
        const { meta } = runs[0]!;
        result.videos.push({
          file,
          codec: meta.codec,
          resolution: resolutionClass(meta.sourceWidth, meta.sourceHeight),
          cpuMs: median(runs.map((r) => r.cpuMs)),
          decodeCpuMs: median(runs.map((r) => r.meta.decodeCpuMs)),
          codecFrames: meta.codecFrames,
        });
      } catch (err) {
        const reason = err instanceof IngestError ? err.reason : 'Error';
        result.failures.push({ file, reason, message: (err as Error).message });
      }
    }
  } finally {
    await ingestor.close();
    await rm(root, { recursive: true, force: true });
  }
  return result;
}

const ms = (x: number) => Math.max(1, Math.ceil(x));

/** The ingestProfile field from measured videos (at least one). */
export function ingestProfileOf(
  videos: VideoCost[],
  sampling: VideoPipelineIngestProfile['sampling'],
  measuredAt: string,
  machine: string,
): VideoPipelineIngestProfile {
  if (videos.length === 0) throw new RangeError('no measured video');
  const summary = (vs: VideoCost[]) => ({
    meanCpuMillisPerVideo: ms(vs.reduce((sum, v) => sum + v.cpuMs, 0) / vs.length),
    maxCpuMillisPerVideo: ms(Math.max(...vs.map((v) => v.cpuMs))),
  });
  const groups = new Map<string, VideoCost[]>();
  for (const v of videos) {
    const key = `${v.codec} ${v.resolution}`;
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  const classes = [...groups.values()]
    .map((vs) => ({ codec: vs[0]!.codec, resolution: vs[0]!.resolution, videos: vs.length, ...summary(vs) }))
    .sort(
      (a, b) =>
        a.codec.localeCompare(b.codec) || a.resolution.localeCompare(b.resolution, 'en', { numeric: true }),
    );
  return { sampling, ...summary(videos), videos: videos.length, classes, measuredAt, machine };
}
