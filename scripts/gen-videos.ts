// Generates the sample videos (samples/videos/*.mp4|webm + expected.json) from lavfi sources with
// FFmpeg's libraries (scripts/media/encode.ts: no ffmpeg CLI), so their right answers are known by
// construction (docs/conventions.md labels):
// - scene: dark (mean luma well under 50), bright (luma over 180, grey), colorful (saturated);
// - motion: static (identical frames) or moving (a pattern that scrolls or changes hue, so
//   consecutive sampled frames differ strongly).
// Also makes hostile fixtures for tests. Idempotent: existing files are kept.
// Usage: npm run gen:videos [-- DIR]
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EncodeSpec } from './media/encode.ts';
import { encodeClip } from './media/encode.ts';
import { withPictureSize } from './media/h264-sps.ts';

export type Scene = 'dark' | 'bright' | 'colorful';
export type Motion = 'static' | 'moving';

export interface SampleClip {
  file: string;
  scene: Scene;
  motion: Motion;
  /** Stored (coded) size; `rotate` turns the displayed picture. */
  width: number;
  height: number;
  durationSeconds: number;
  fps: number;
  /** Display rotation in degrees written into the container. */
  rotate?: number;
  /** Irregular frame timing (variable frame rate). */
  vfr?: boolean;
}

export interface ExpectedEntry {
  file: string;
  scene: Scene;
  motion: Motion;
  label: string;
}

// A checkerboard of two grey levels (dark or bright scenes with motion).
// Squares of 32 px jumping 37 px per frame: the pattern repeats only every 64 frames (longer than
// any clip), so frames sampled at any spacing differ (a steady scroll aliases to a still picture
// when the sampling interval matches its period).
function checker(low: number, high: number): string {
  return `geq=lum='if(mod(floor((X+N*37)/32)+floor(Y/32)\\,2)\\,${high}\\,${low})':cb=128:cr=128`;
}

/** The lavfi graph for a clip: exact colours for static scenes, moving patterns otherwise. */
export function sourceGraph(clip: SampleClip): string {
  const base = `s=${clip.width}x${clip.height}:r=${clip.fps}:d=${clip.durationSeconds}`;
  const nullsrc = `nullsrc=${base},format=yuv420p`;
  const graphs: Record<`${Motion}/${Scene}`, string> = {
    'static/dark': `color=c=0x141414:${base}`,
    'static/bright': `color=c=0xebebeb:${base}`,
    'static/colorful': `color=c=0xd01890:${base}`,
    'moving/dark': `${nullsrc},${checker(16, 86)}`,
    'moving/bright': `${nullsrc},${checker(150, 235)}`,
    'moving/colorful': `testsrc2=${base},hue=h=t*240:s=2`,
  };
  const graph = graphs[`${clip.motion}/${clip.scene}`];
  // VFR: frames 0-5 at the nominal rate, then every third frame kept with its own timestamp.
  return clip.vfr ? `${graph},select='lt(n\\,6)+not(mod(n\\,3))'` : graph;
}

const scenes: Scene[] = ['dark', 'bright', 'colorful'];
const motions: Motion[] = ['static', 'moving'];

export const sampleClips: SampleClip[] = [
  ...motions.flatMap((motion) =>
    scenes.map((scene) => ({
      file: `${motion}-${scene}.mp4`,
      scene,
      motion,
      width: 160,
      height: 120,
      durationSeconds: 2,
      fps: 10,
    })),
  ),
  ...motions.flatMap((motion) =>
    scenes.map((scene, i) => ({
      file: `${motion}-${scene}.webm`,
      scene,
      motion,
      width: i === 0 ? 64 : 96,
      height: i === 0 ? 64 : 72,
      durationSeconds: 1 + i,
      fps: 8,
    })),
  ),
  {
    file: 'portrait-moving-colorful.mp4',
    scene: 'colorful',
    motion: 'moving',
    width: 160,
    height: 96,
    durationSeconds: 2,
    fps: 10,
    rotate: 90,
  },
  {
    file: 'vfr-moving-bright.mp4',
    scene: 'bright',
    motion: 'moving',
    width: 128,
    height: 96,
    durationSeconds: 3,
    fps: 15,
    vfr: true,
  },
  {
    file: 'few-frames-static-bright.mp4',
    scene: 'bright',
    motion: 'static',
    width: 64,
    height: 64,
    durationSeconds: 1,
    fps: 4,
  },
  {
    file: 'large-moving-dark.mp4',
    scene: 'dark',
    motion: 'moving',
    width: 320,
    height: 240,
    durationSeconds: 1,
    fps: 10,
  },
];

const x264 = { videoCodec: 'libx264', videoOptions: { preset: 'veryfast', crf: '28' } };
const vp9 = {
  videoCodec: 'libvpx-vp9',
  videoOptions: { deadline: 'realtime', 'cpu-used': '8', crf: '40', b: '0', 'row-mt': '1' },
};

/** How a clip of this file type is encoded: H.264 in MP4 (index first), VP9 in WebM. */
function encoding(file: string): Omit<EncodeSpec, 'graph'> {
  if (file.endsWith('.webm')) return vp9;
  return { ...x264, muxerOptions: { movflags: '+faststart' } };
}

/** Writes one sample clip into `dir` with FFmpeg's libraries (no ffmpeg CLI needed). */
export async function generateClip(dir: string, clip: SampleClip): Promise<void> {
  await encodeClip(path.join(dir, clip.file), {
    graph: `${sourceGraph(clip)},format=yuv420p`,
    ...encoding(clip.file),
    ...(clip.rotate ? { rotateDegrees: clip.rotate } : {}),
  });
}

export function expectedEntries(clips: readonly SampleClip[]): ExpectedEntry[] {
  return clips.map((c) => ({
    file: c.file,
    scene: c.scene,
    motion: c.motion,
    label: `${c.motion}/${c.scene}`,
  }));
}

/** Writes the clips missing from `dir` and expected.json; returns the files it generated. */
export async function generateSampleVideos(
  dir: string,
  clips: readonly SampleClip[] = sampleClips,
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const generated: string[] = [];
  for (const clip of clips) {
    if (existsSync(path.join(dir, clip.file))) continue;
    await generateClip(dir, clip);
    generated.push(clip.file);
  }
  await writeFile(path.join(dir, 'expected.json'), `${JSON.stringify(expectedEntries(clips), null, 2)}\n`);
  return generated;
}

export interface HostileFixtures {
  notAVideo: string;
  zeroBytes: string;
  /** mp4 cut in half with its index (moov) at the end: nothing can be decoded. */
  truncatedNoIndex: string;
  /** mp4 cut in half with its index first: the first half decodes. */
  truncatedWithIndex: string;
  audioOnly: string;
  /** 20 minutes of 16×16 black at 1 fps: longer than the default maxDurationSeconds (index last). */
  long: string;
  /** The same as WebM: the duration is declared in the Matroska Segment Info. */
  longWebm: string;
  /** A 1 s MPEG-TS clip: no size or duration in a header, so stream info is read. */
  mpegts: string;
  /** A few hundred bytes of raw H.264 whose sequence header declares 16000×16000 pictures. */
  hugeDims: string;
}

/** Writes hostile inputs into `dir` (a test's temp dir). */
export async function generateHostileFixtures(dir: string): Promise<HostileFixtures> {
  await mkdir(dir, { recursive: true });
  const f = (name: string) => path.join(dir, name);
  const fixtures: HostileFixtures = {
    notAVideo: f('not-a-video.mp4'),
    zeroBytes: f('zero-bytes.mp4'),
    truncatedNoIndex: f('truncated-no-index.mp4'),
    truncatedWithIndex: f('truncated-with-index.mp4'),
    audioOnly: f('audio-only.mp4'),
    long: f('long.mp4'),
    longWebm: f('long.webm'),
    mpegts: f('clip.ts'),
    hugeDims: f('huge-dims.h264'),
  };
  await writeFile(fixtures.notAVideo, 'this is a text file pretending to be a video\n'.repeat(50));
  await writeFile(fixtures.zeroBytes, '');
  const ultrafast = { videoCodec: 'libx264', videoOptions: { preset: 'ultrafast' } };
  for (const [out, muxerOptions] of [
    [fixtures.truncatedNoIndex, {}],
    [fixtures.truncatedWithIndex, { movflags: '+faststart' }],
  ] as const) {
    const whole = `${out}.whole.mp4`;
    await encodeClip(whole, {
      graph: 'testsrc2=s=96x64:r=10:d=2,format=yuv420p',
      ...ultrafast,
      muxerOptions,
    });
    const bytes = await readFile(whole);
    await writeFile(out, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await rm(whole, { force: true });
  }
  await encodeClip(fixtures.audioOnly, {
    graph:
      'sine=frequency=440:duration=1,aformat=sample_fmts=fltp:sample_rates=44100,asetnsamples=n=1024:p=1',
    audioCodec: 'aac',
  });
  const black = 'color=c=black:s=16x16:r=1:d=1200,format=yuv420p';
  await encodeClip(fixtures.long, { graph: black, ...ultrafast });
  await encodeClip(fixtures.longWebm, { graph: black, ...vp9 });
  await encodeClip(fixtures.mpegts, { graph: 'testsrc2=s=96x64:r=10:d=1,format=yuv420p', ...ultrafast });
  await writeHugeDims(fixtures.hugeDims, dir);
  return fixtures;
}

/**
 * A real one-frame H.264 stream (16×16, baseline) whose sequence parameter set is rewritten to
 * declare 16000×16000: the shape of a decompression bomb that makes a decoder allocate ~400 MB
 * per picture from a few hundred bytes.
 */
async function writeHugeDims(out: string, dir: string): Promise<void> {
  const small = path.join(dir, 'huge-dims-source.h264');
  await encodeClip(small, {
    graph: 'color=c=gray:s=16x16:r=1:d=1,format=yuv420p',
    videoCodec: 'libx264',
    videoOptions: { preset: 'ultrafast', profile: 'baseline' },
    format: 'h264',
  });
  await writeFile(out, withPictureSize(await readFile(small), 16000, 16000));
  await rm(small, { force: true });
}

export interface ContainerFixtures {
  /** Video with an audio track (AAC in MP4; Opus in WebM, whose pre-skip shifts the audio start). */
  withAudioMp4: string;
  withAudioWebm: string;
  /** Timestamps starting at 100 s, as in a capture cut from a live stream. */
  offsetMp4: string;
  offsetWebm: string;
}

/** Container variants of a 2 s clip: with audio, and with timestamps starting at 100 s. */
export async function generateContainerFixtures(dir: string): Promise<ContainerFixtures> {
  await mkdir(dir, { recursive: true });
  const f = (name: string) => path.join(dir, name);
  const fixtures: ContainerFixtures = {
    withAudioMp4: f('with-audio.mp4'),
    withAudioWebm: f('with-audio.webm'),
    offsetMp4: f('offset.mp4'),
    offsetWebm: f('offset.webm'),
  };
  const video = 'testsrc2=s=96x64:r=10:d=2,format=yuv420p';
  const audio = (format: string, rate: number, samples: number) =>
    `sine=d=2,aformat=sample_fmts=${format}:sample_rates=${rate},asetnsamples=n=${samples}:p=1`;
  await encodeClip(fixtures.withAudioMp4, {
    graph: `${video}[out0];${audio('fltp', 44100, 1024)}[out1]`,
    ...encoding('a.mp4'),
    audioCodec: 'aac',
  });
  await encodeClip(fixtures.withAudioWebm, {
    graph: `${video}[out0];${audio('flt', 48000, 960)}[out1]`,
    ...encoding('a.webm'),
    audioCodec: 'libopus',
  });
  for (const out of [fixtures.offsetMp4, fixtures.offsetWebm]) {
    const base = encoding(out);
    await encodeClip(out, {
      graph: video,
      ...base,
      muxerOptions: { ...base.muxerOptions, output_ts_offset: '100' },
    });
  }
  return fixtures;
}

if (import.meta.main) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const dir = path.resolve(process.argv[2] ?? path.join(root, 'samples', 'videos'));
  const generated = await generateSampleVideos(dir);
  process.stdout.write(
    `gen-videos: ${generated.length} generated, ${sampleClips.length - generated.length} kept in ${dir}\n`,
  );
}
