// `vpo profile --ingest VIDEO|DIR… (-f PIPELINE.yaml | --frames N --width W --height H [--mode M])
// [--repeats N]`: measures the CPU one video costs the ingest at the pipeline's sampling on this
// machine (measure-cost.ts) and prints the pipeline's `ingestProfile` field as YAML, per codec and
// resolution class; per-video figures go to stderr. Paste the field into the VideoPipeline's spec:
// the planner then sizes ingest pods and the ingest's share of the SLO from it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as yaml from 'js-yaml';
import type { VideoPipeline, VideoPipelineIngestProfile } from '../../contract/crd-types.generated.ts';
import type { SamplingMode } from '../../contract/decode-bounds.ts';
import { ingestProfileOf, measureIngestCost } from '../ingest/measure-cost.ts';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

export const ingestUsage =
  'usage: vpo profile --ingest VIDEO|DIR… (-f PIPELINE.yaml | --frames N --width W --height H [--mode uniform|keyframes]) [--repeats N]\n';

const videoExtensions = new Set(['.mp4', '.m4v', '.mov', '.webm', '.mkv', '.ts', '.avi', '.flv', '.ogv']);

/** Files as given, directories expanded to the video files directly in them (sorted). */
export function videoFiles(paths: string[]): string[] {
  return paths.flatMap((p) => {
    if (!statSync(p).isDirectory()) return [p];
    return readdirSync(p)
      .filter((name) => videoExtensions.has(path.extname(name).toLowerCase()))
      .sort()
      .map((name) => path.join(p, name));
  });
}

/** The first VideoPipeline in a (multi-document) YAML file or a directory's YAML files. */
function pipelineFrom(file: string): VideoPipeline {
  const files = statSync(file).isDirectory()
    ? readdirSync(file)
        .filter((n) => /\.ya?ml$/.test(n))
        .sort()
        .map((n) => path.join(file, n))
    : [file];
  for (const f of files) {
    for (const doc of yaml.loadAll(readFileSync(f, 'utf8'))) {
      if ((doc as { kind?: string } | null)?.kind === 'VideoPipeline') return doc as VideoPipeline;
    }
  }
  throw new Error(`${file}: no VideoPipeline`);
}

const positive = (text: string | undefined, name: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
};

export async function ingestProfileCommand(
  argv: string[],
  io: Io,
  now: () => Date = () => new Date(),
): Promise<number> {
  let sampling: VideoPipelineIngestProfile['sampling'];
  let bounds: Partial<
    Record<'maxPixelsPerFrame' | 'maxDecodedBytesPerVideo' | 'maxDurationSeconds', number>
  > = {};
  let decoder: 'cpu' | 'gpu' = 'cpu';
  let files: string[];
  let repeats: number;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ingest: { type: 'boolean' },
        file: { type: 'string', short: 'f' },
        frames: { type: 'string' },
        width: { type: 'string' },
        height: { type: 'string' },
        mode: { type: 'string', default: 'uniform' },
        repeats: { type: 'string', default: '3' },
      },
    });
    if (positionals.length === 0) throw new Error('name at least one video or directory');
    if (values.file) {
      const spec = pipelineFrom(values.file).spec;
      sampling = { ...spec.sampling, mode: spec.sampling.mode ?? 'uniform' };
      const source = spec.source ?? {};
      bounds = {
        ...(source.maxPixelsPerFrame ? { maxPixelsPerFrame: source.maxPixelsPerFrame } : {}),
        ...(source.maxDecodedBytesPerVideo
          ? { maxDecodedBytesPerVideo: source.maxDecodedBytesPerVideo }
          : {}),
        ...(source.maxDurationSeconds ? { maxDurationSeconds: source.maxDurationSeconds } : {}),
      };
      decoder = source.decoder ?? 'cpu';
    } else {
      if (values.mode !== 'uniform' && values.mode !== 'keyframes')
        throw new Error('--mode is uniform or keyframes');
      sampling = {
        mode: values.mode as SamplingMode,
        frames: positive(values.frames, 'frames'),
        width: positive(values.width, 'width'),
        height: positive(values.height, 'height'),
      };
    }
    repeats = positive(values.repeats, 'repeats');
    files = videoFiles(positionals);
    if (files.length === 0) throw new Error(`no video files in ${positionals.join(' ')}`);
  } catch (err) {
    io.err(`vpo profile --ingest: ${(err as Error).message}\n${ingestUsage}`);
    return 1;
  }
  const measured = await measureIngestCost(files, { sampling: { ...sampling }, decoder, ...bounds }, repeats);
  for (const v of measured.videos) {
    io.err(
      `${v.file}: ${v.codec} ${v.resolution}, ${v.cpuMs.toFixed(1)} ms CPU (decode thread ${v.decodeCpuMs.toFixed(1)} ms, ${v.codecFrames} frames decoded)\n`,
    );
  }
  for (const f of measured.failures) io.err(`${f.file}: skipped, ${f.reason}: ${f.message}\n`);
  if (measured.videos.length === 0) {
    io.err('vpo profile --ingest: no video could be ingested\n');
    return 1;
  }
  const profile = ingestProfileOf(
    measured.videos,
    sampling,
    now().toISOString(),
    os.cpus()[0]?.model ?? 'unknown',
  );
  io.out(yaml.dump({ ingestProfile: profile }, { flowLevel: 3, lineWidth: 120 }));
  return 0;
}
