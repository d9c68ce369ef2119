// `npm run bench -- embedded-pipeline [--small 100] [--large 1000]`: the sample pipeline run by
// `vpo run` on this machine, against what the planner predicted for it. Each run is a child
// process (`vpo run -o json --count N`, the sample clips repeated under new videoIds) that
// reports its own peak RSS, so the two runs do not share a heap:
// - throughput: measured videos/s over the plan's capacity for this machine (slowest stage);
// - p99: measured p99 latency over the pipeline's p99 SLO;
// - memory: peak RSS of the large run over the small one; with bounded queues it stays flat.
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
  latencyMs: { p50: number; p99: number };
  meanBatchSize: Record<string, number>;
  plan: { capacityVps: number; plannedVps: number; sloMs: number };
  peakRssMiB: number;
}

async function vpoRun(count: number): Promise<Summary> {
  const args = [
    'bin/vpo.ts',
    'run',
    '-f',
    'samples/video-classifier',
    '--videos',
    'samples/videos',
    '-o',
    'json',
  ];
  const { stdout } = await exec(process.execPath, [...args, '--count', String(count)], {
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
    options: { small: { type: 'string', default: '100' }, large: { type: 'string', default: '1000' } },
  });
  if (!existsSync(path.join(root, 'samples/videos/expected.json'))) {
    throw new Error('sample videos missing: run `npm run prepare-samples` first');
  }
  const [smallCount, largeCount] = [Number(values.small), Number(values.large)];
  const small = await vpoRun(smallCount);
  const large = await vpoRun(largeCount);
  const base = { smallVideos: small.videos, largeVideos: large.videos };
  return [
    {
      name: 'embedded-throughput-vs-plan',
      value: round(large.videosPerSecond / large.plan.capacityVps),
      unit: 'ratio',
      target: 'measured videos/s over the planned capacity for this machine (1 = as predicted)',
      measuredVps: large.videosPerSecond,
      plannedCapacityVps: large.plan.capacityVps,
      plannedLoadVps: large.plan.plannedVps,
      meanBatchSize: large.meanBatchSize,
      ...base,
    },
    {
      name: 'embedded-p99-vs-slo',
      value: round(large.latencyMs.p99 / large.plan.sloMs),
      unit: 'ratio',
      target: '<= 1 (p99 within the SLO the plan was made for)',
      p99Ms: large.latencyMs.p99,
      p50Ms: large.latencyMs.p50,
      sloMs: large.plan.sloMs,
      ...base,
    },
    {
      name: 'embedded-peak-rss-large-vs-small',
      value: round(large.peakRssMiB / small.peakRssMiB),
      unit: 'ratio',
      target: '<= 1.2 (bounded queues: memory does not grow with the number of videos)',
      smallPeakRssMiB: small.peakRssMiB,
      largePeakRssMiB: large.peakRssMiB,
      ...base,
    },
    {
      name: 'embedded-dead-letters',
      value: small.dead + large.dead,
      unit: 'videos',
      target: '0 (every sample clip is a valid video)',
      ...base,
    },
  ];
}
