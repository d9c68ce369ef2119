// `npm run bench -- embedded-pipeline [--small 100] [--large 1000] [--paced-fraction 0.7]`: the
// sample pipeline run by `vpo run --profile` on this machine, against what it predicted from its
// parts measured alone at start-up (embedded/parts-probe.ts: the ingest, each stage's worker and
// model, the executor's plumbing). Each run is a child process (`vpo run -o json --count N`, the
// sample clips repeated under new videoIds) that reports its own peak RSS, so the runs do not
// share a heap:
// - throughput: the large run floods the source (saturation); measured videos/s over the
//   predicted capacity, min(cores ÷ summed CPU per video, one core ÷ summed main-thread time);
//   the run's own CPU per video beside the parts' sum; mean batch per stage at saturation;
// - p99: a third run offered at a paced rate (a fraction of the saturated throughput), so the
//   latency is the pipeline's, not the source queue's; p99 over the SLO and over the prediction;
// - memory: peak RSS of the large run over the small one; with bounded queues and bounded
//   summaries (no per-video state kept) it stays flat.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import type { BenchFigure } from './run.ts';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

interface Summary {
  videos: number;
  ok: number;
  dead: number;
  videosPerSecond: number;
  cpuMsPerVideo: number;
  offeredVps?: number;
  latencyMs: { p50: number; p99: number };
  meanBatchSize: Record<string, number>;
  meanDecodeMs: number;
  plan: {
    capacityVps: number;
    plannedVps: number;
    sloMs: number;
    stages: { name: string; batchCap: number }[];
  };
  predicted: {
    capacityVps: number;
    boundBy: string;
    ingestCapacityVps?: number;
    stageCapacityVps: Record<string, number>;
    decodeMs?: number;
    latencyMs: number;
    cpuMsPerVideo?: number;
    mainMsPerVideo?: number;
    cpuBoundVps?: number;
    mainThreadBoundVps?: number;
    parts?: Record<string, unknown>;
  };
  peakRssMiB: number;
  memoryMiB: Record<string, number>;
}

async function vpoRun(count: number, rateVps?: number): Promise<Summary> {
  const args = ['bin/vpo.ts', 'run', '-f', 'samples/video-classifier', '--videos', 'samples/videos'];
  const extra = ['-o', 'json', '--profile', '--count', String(count)];
  if (rateVps !== undefined) extra.push('--rate', String(rateVps));
  const { stdout } = await exec(process.execPath, [...args, ...extra], {
    cwd: root,
    maxBuffer: 256 * 2 ** 20,
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  const summary = (JSON.parse(last) as { summary?: Summary }).summary;
  if (!summary) throw new Error(`vpo run printed no summary: ${last.slice(0, 200)}`);
  return summary;
}

const round = (x: number) => Number(x.toFixed(3));

export async function run(argv: string[]): Promise<BenchFigure[]> {
  const { values } = parseArgs({
    args: argv,
    options: {
      small: { type: 'string', default: '100' },
      large: { type: 'string', default: '1000' },
      'paced-fraction': { type: 'string', default: '0.7' },
    },
  });
  if (!existsSync(path.join(root, 'samples/videos/expected.json'))) {
    throw new Error('sample videos missing: run `npm run prepare-samples` first');
  }
  const [smallCount, largeCount] = [Number(values.small), Number(values.large)];
  const small = await vpoRun(smallCount);
  const large = await vpoRun(largeCount);
  const offeredVps = round(Number(values['paced-fraction']) * large.videosPerSecond);
  const paced = await vpoRun(smallCount, offeredVps);
  const base = { smallVideos: small.videos, largeVideos: large.videos };
  return [
    {
      name: 'embedded-throughput-vs-prediction',
      value: round(large.videosPerSecond / large.predicted.capacityVps),
      unit: 'ratio',
      target: '0.8-1.25: saturated videos/s over the capacity predicted from the parts measured alone',
      measuredVps: large.videosPerSecond,
      predictedVps: large.predicted.capacityVps,
      boundBy: large.predicted.boundBy,
      cpuBoundVps: large.predicted.cpuBoundVps,
      mainThreadBoundVps: large.predicted.mainThreadBoundVps,
      partsCpuMsPerVideo: large.predicted.cpuMsPerVideo,
      partsMainMsPerVideo: large.predicted.mainMsPerVideo,
      runCpuMsPerVideo: large.cpuMsPerVideo,
      parts: large.predicted.parts,
      planCapacityVps: large.plan.capacityVps,
      probeDecodeMs: large.predicted.decodeMs,
      runMeanDecodeMs: large.meanDecodeMs,
      plannedLoadVps: large.plan.plannedVps,
      batchCap: Object.fromEntries(large.plan.stages.map((s) => [s.name, s.batchCap])),
      meanBatchSize: large.meanBatchSize,
      ...base,
    },
    {
      name: 'embedded-p99-vs-slo',
      value: round(paced.latencyMs.p99 / paced.plan.sloMs),
      unit: 'ratio',
      target: '<= 1 (p99 at a paced load within the SLO the plan was made for)',
      p99Ms: paced.latencyMs.p99,
      p50Ms: paced.latencyMs.p50,
      sloMs: paced.plan.sloMs,
      predictedLatencyMs: paced.predicted.latencyMs,
      p99VsPredicted: round(paced.latencyMs.p99 / Math.max(1, paced.predicted.latencyMs)),
      offeredVps,
      achievedVps: paced.videosPerSecond,
      pacedVideos: paced.videos,
      saturatedP99Ms: large.latencyMs.p99,
    },
    {
      name: 'embedded-peak-rss-large-vs-small',
      value: round(large.peakRssMiB / small.peakRssMiB),
      unit: 'ratio',
      target: '<= 1.2 (bounded queues and summaries: memory does not grow with the number of videos)',
      smallPeakRssMiB: small.peakRssMiB,
      largePeakRssMiB: large.peakRssMiB,
      smallEndMiB: small.memoryMiB,
      largeEndMiB: large.memoryMiB,
      ...base,
    },
    {
      name: 'embedded-dead-letters',
      value: small.dead + large.dead + paced.dead,
      unit: 'videos',
      target: '0 (every sample clip is a valid video)',
      ...base,
    },
  ];
}
