// Decode efficiency of ingest: frames sampled per second by `ingest` (container-header probe, one
// ffmpeg per video, frame store) over a set of generated MP4 and WebM clips, divided by the rate
// at which ffmpeg alone does the same decode, sampling and scaling (the same filter graph and
// thread count) to null output, measured side by side in this run. Target ≥ 0.8: our wrapping
// costs at most 20%.
// Also compares the two sampling methods on a long clip (what `seekThresholdSeconds` rests on),
// and reports ffmpeg's full decode+scale rate of the clips for scale.
// Usage: npm run bench -- decode-efficiency [REPS]
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { openFrameStore } from '../runtime/framestore/open.ts';
import type { DecodeRequest, SampleMethod } from '../runtime/ingest/decode.ts';
import { decodeArgs } from '../runtime/ingest/decode.ts';
import { createIngestor } from '../runtime/ingest/ingestor.ts';
import { probeVideo } from '../runtime/ingest/probe.ts';
import { generateClip } from '../scripts/gen-videos.ts';
import type { BenchFigure } from './run.ts';

const exec = promisify(execFile);
const sampling = { frames: 16, width: 224, height: 224 };
const threads = 1;

const clips = [
  {
    file: 'bench-colorful-640x360-5s.mp4',
    scene: 'colorful',
    motion: 'moving',
    width: 640,
    height: 360,
    durationSeconds: 5,
    fps: 25,
  },
  {
    file: 'bench-bright-480x270-4s.webm',
    scene: 'bright',
    motion: 'moving',
    width: 480,
    height: 270,
    durationSeconds: 4,
    fps: 25,
  },
  {
    file: 'bench-dark-320x240-8s.mp4',
    scene: 'dark',
    motion: 'moving',
    width: 320,
    height: 240,
    durationSeconds: 8,
    fps: 25,
  },
] as const;
const longClip = {
  file: 'bench-long-320x240-90s.mp4',
  scene: 'colorful',
  motion: 'moving',
  width: 320,
  height: 240,
  durationSeconds: 90,
  fps: 25,
} as const;

async function timeMs(task: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await task();
  return performance.now() - start;
}

async function ffmpegSampling(file: string, method: SampleMethod): Promise<() => Promise<unknown>> {
  const probe = await probeVideo('ffprobe', file, 10_000);
  const request: DecodeRequest = {
    path: file,
    ...sampling,
    startSeconds: probe.startSeconds,
    durationSeconds: probe.durationSeconds,
    averageFps: probe.averageFps,
    method,
    resize: 'stretch',
    threads,
    timeoutMs: 60_000,
    ffmpegPath: 'ffmpeg',
  };
  return async () => exec('ffmpeg', decodeArgs(request, ['-f', 'null', '-']), { maxBuffer: 1 << 24 });
}

export async function run(args: string[]): Promise<BenchFigure[]> {
  const reps = Number(args[0] ?? 3);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vpo-bench-decode-'));
  try {
    for (const clip of [...clips, longClip]) await generateClip(dir, clip);
    const files = clips.map((c) => path.join(dir, c.file));
    const store = await openFrameStore({ kind: 'dir', root: path.join(dir, 'frames') }, 600);
    const ingestor = createIngestor(
      { sampling, allowedUriSchemes: ['file'], maxVideoBytes: 1 << 30, decodeThreads: threads },
      { frameStore: store },
    );
    const ingestAll = async () => {
      for (const file of files) {
        const { frameRef } = await ingestor.ingest({
          videoId: path.basename(file),
          uri: pathToFileURL(file).href,
        });
        await store.release(frameRef);
      }
    };
    // ffmpeg alone gets its commands built (and the clip probed) outside the timed part.
    const baselines = await Promise.all(files.map((f) => ffmpegSampling(f, 'select')));
    const ffmpegAll = async () => {
      for (const b of baselines) await b();
    };
    const fullDecode = async () => {
      for (const file of files) {
        await exec('ffmpeg', [
          '-threads',
          String(threads),
          '-i',
          file,
          '-vf',
          'scale=224:224',
          '-f',
          'null',
          '-',
        ]);
      }
    };
    await ingestAll(); // warm-up: page cache, binaries
    let ingestMs = 0;
    let ffmpegMs = 0;
    for (let i = 0; i < reps; i++) {
      ingestMs += await timeMs(ingestAll);
      ffmpegMs += await timeMs(ffmpegAll);
    }
    const sampled = reps * files.length * sampling.frames;
    const ingestFps = (sampled / ingestMs) * 1000;
    const ffmpegFps = (sampled / ffmpegMs) * 1000;
    const decodedFrames = clips.reduce((n, c) => n + c.durationSeconds * c.fps, 0);
    const fullDecodeFps = (decodedFrames / (await timeMs(fullDecode))) * 1000;
    const longFile = path.join(dir, longClip.file);
    const selectLong = await ffmpegSampling(longFile, 'select');
    const seekLong = await ffmpegSampling(longFile, 'seek');
    const selectLongMs = await timeMs(selectLong);
    const seekLongMs = await timeMs(seekLong);
    return [
      {
        name: 'decode-efficiency',
        value: Number((ingestFps / ffmpegFps).toFixed(3)),
        unit: 'ratio',
        target: '>= 0.8',
        ingestSampledFps: Number(ingestFps.toFixed(1)),
        ffmpegSampledFps: Number(ffmpegFps.toFixed(1)),
        ffmpegFullDecodeScaleFps: Number(fullDecodeFps.toFixed(1)),
        clips: clips.length,
        reps,
        threads,
        sampling,
      },
      {
        name: 'decode-seek-vs-select-90s',
        value: Number((selectLongMs / seekLongMs).toFixed(2)),
        unit: 'ratio (select ms / seek ms)',
        target: '> 1 justifies seeking above seekThresholdSeconds',
        selectMs: Math.round(selectLongMs),
        seekMs: Math.round(seekLongMs),
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
