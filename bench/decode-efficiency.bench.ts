// `npm run bench -- decode-efficiency [--reps 3] [--frames 16] [--size 224]`: what the ingest
// costs per video against the physical limits, on the realistic corpus (scripts/gen-corpus.ts),
// one thread everywhere:
// - uniform sampling: ingest CPU per video (fetch from disk, decode in the worker, sample, scale,
//   store; the process's CPU time) ÷ ffmpeg's own decode of every frame of the same clip (target
//   ≤ 1.0: never slower than decoding every frame once);
// - keyframes sampling: ingest CPU per video ÷ ffmpeg decoding only the keyframes (≤ 1.2). The
//   reference decodes each keyframe in full; the ingest skips the deblocking filter where its
//   downscale hides it (runtime/ingest/sampling.ts skipsLoopFilter), and scales and stores the
//   frames, which the reference does not;
// - the keyframe speedup (uniform ÷ keyframes ingest CPU), and the corpus's 720p 30 s H.264 clip
//   on its own (keyframes ≤ 0.2 CPU-s; uniform no more than ffmpeg's full decode).
// "ffmpeg" is the CLI when one is on PATH (what the issue measured), else the same decodes run
// in-process with FFmpeg's libraries; the in-process figures are printed beside in every case.
// Each figure is the median of --reps runs per clip, the runs of the compared decodes interleaved.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { measureIngestCost } from '../runtime/ingest/measure-cost.ts';
import { ensureCorpus } from '../scripts/gen-corpus.ts';
import type { BenchFigure } from './run.ts';
import { ffmpegCliDecodeCpuMs, hasFfmpegCli, libavDecodeCpuMs } from './support/decode-reference.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? 0;
const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

interface ClipFigures {
  file: string;
  uniformMs: number;
  keyframesMs: number;
  fullDecodeMs: number;
  keyframeDecodeMs: number;
  libavFullMs: number;
  libavKeyframesMs: number;
}

export async function run(argv: string[]): Promise<BenchFigure[]> {
  const { values } = parseArgs({
    args: argv,
    options: {
      reps: { type: 'string', default: '3' },
      frames: { type: 'string', default: '16' },
      size: { type: 'string', default: '224' },
    },
  });
  const reps = Number(values.reps);
  const size = Number(values.size);
  const frames = Number(values.frames);
  const corpus = await ensureCorpus(undefined, (line) => process.stderr.write(`${line}\n`));
  const cli = hasFfmpegCli();
  const perClip: ClipFigures[] = [];
  for (const clip of corpus) {
    const runs: Omit<ClipFigures, 'file'>[] = [];
    for (let i = 0; i < reps; i++) {
      const ours = async (mode: 'uniform' | 'keyframes') => {
        const m = await measureIngestCost(
          [clip.path],
          { sampling: { frames, width: size, height: size, mode } },
          1,
        );
        if (m.videos.length !== 1) throw new Error(`${clip.file}: ${JSON.stringify(m.failures)}`);
        return m.videos[0]!.cpuMs;
      };
      const libavFullMs = libavDecodeCpuMs(clip.path, false);
      const uniformMs = await ours('uniform');
      const libavKeyframesMs = libavDecodeCpuMs(clip.path, true);
      const keyframesMs = await ours('keyframes');
      runs.push({
        uniformMs,
        keyframesMs,
        libavFullMs,
        libavKeyframesMs,
        fullDecodeMs: cli ? ffmpegCliDecodeCpuMs(clip.path, false) : libavFullMs,
        keyframeDecodeMs: cli ? ffmpegCliDecodeCpuMs(clip.path, true) : libavKeyframesMs,
      });
    }
    const pick = (k: keyof Omit<ClipFigures, 'file'>) => median(runs.map((r) => r[k]));
    const figures: ClipFigures = {
      file: clip.file,
      uniformMs: pick('uniformMs'),
      keyframesMs: pick('keyframesMs'),
      fullDecodeMs: pick('fullDecodeMs'),
      keyframeDecodeMs: pick('keyframeDecodeMs'),
      libavFullMs: pick('libavFullMs'),
      libavKeyframesMs: pick('libavKeyframesMs'),
    };
    process.stderr.write(
      `${clip.file}: uniform ${r1(figures.uniformMs)} ms vs full decode ${r1(figures.fullDecodeMs)} ms; keyframes ${r1(figures.keyframesMs)} ms vs keyframes-only ${r1(figures.keyframeDecodeMs)} ms\n`,
    );
    perClip.push(figures);
  }
  const total = (k: keyof Omit<ClipFigures, 'file'>) => sum(perClip.map((c) => c[k]));
  const mean = (k: keyof Omit<ClipFigures, 'file'>) => r1(total(k) / perClip.length);
  const reference = cli
    ? 'the ffmpeg CLI (-threads 1 -benchmark)'
    : 'libavcodec in-process (no ffmpeg CLI on PATH)';
  const common = {
    reference,
    clips: perClip.length,
    reps,
    threads: 1,
    sampling: { frames, width: size, height: size },
    cpu: os.cpus()[0]?.model ?? 'unknown',
  };
  const hd = perClip.find((c) => c.file === 'h264-720p-30s-gop2.mp4');
  const figures: BenchFigure[] = [
    {
      name: 'decode-efficiency',
      value: r3(total('uniformMs') / total('fullDecodeMs')),
      unit: 'ratio (ingest CPU, uniform sampling ÷ ffmpeg decoding every frame)',
      target: '<= 1.0',
      uniformCpuMsPerVideo: mean('uniformMs'),
      ffmpegFullDecodeCpuMsPerVideo: mean('fullDecodeMs'),
      libavFullDecodeCpuMsPerVideo: mean('libavFullMs'),
      perClip: Object.fromEntries(perClip.map((c) => [c.file, r3(c.uniformMs / c.fullDecodeMs)])),
      ...common,
    },
    {
      name: 'decode-efficiency-keyframes',
      value: r3(total('keyframesMs') / total('keyframeDecodeMs')),
      unit: 'ratio (ingest CPU, keyframes sampling ÷ ffmpeg decoding only keyframes)',
      target: '<= 1.2',
      keyframesCpuMsPerVideo: mean('keyframesMs'),
      ffmpegKeyframesOnlyCpuMsPerVideo: mean('keyframeDecodeMs'),
      libavKeyframesOnlyCpuMsPerVideo: mean('libavKeyframesMs'),
      perClip: Object.fromEntries(perClip.map((c) => [c.file, r3(c.keyframesMs / c.keyframeDecodeMs)])),
      ...common,
    },
    {
      name: 'decode-efficiency-keyframes-vs-libav',
      value: r3(total('keyframesMs') / total('libavKeyframesMs')),
      unit: 'ratio (ingest CPU, keyframes sampling ÷ libavcodec in-process decoding only the keyframes, every codec)',
      target:
        '<= 1.2 (the ffmpeg 5.1 CLI ignores -skip_frame for VP9 and AV1, so this is the stricter reference)',
      perClip: Object.fromEntries(perClip.map((c) => [c.file, r3(c.keyframesMs / c.libavKeyframesMs)])),
      ...common,
    },
    {
      name: 'decode-keyframe-speedup',
      value: r3(total('uniformMs') / total('keyframesMs')),
      unit: 'ratio (ingest CPU, uniform ÷ keyframes)',
      target: 'information: an order of magnitude on clips with keyframes every 1-10 s',
      perClip: Object.fromEntries(perClip.map((c) => [c.file, r3(c.uniformMs / c.keyframesMs)])),
      ...common,
    },
  ];
  if (hd) {
    figures.push(
      {
        name: 'decode-720p30-keyframes-cpu',
        value: r3(hd.keyframesMs / 1000),
        unit: 'CPU-s per video (720p, 30 s, H.264, keyframes every 2 s, 4.4 MB)',
        target: '<= 0.2',
        ffmpegKeyframesOnlyCpuS: r3(hd.keyframeDecodeMs / 1000),
        ...common,
      },
      {
        name: 'decode-720p30-uniform-vs-full-decode',
        value: r3(hd.uniformMs / hd.fullDecodeMs),
        unit: 'ratio (same clip, uniform sampling ÷ ffmpeg full decode)',
        target: '<= 1.0',
        uniformCpuS: r3(hd.uniformMs / 1000),
        ffmpegFullDecodeCpuS: r3(hd.fullDecodeMs / 1000),
        ...common,
      },
    );
  }
  return figures;
}
