// The realistic corpus for decode benchmarks and the sampling-mode tests: clips of the size class
// real uploads have (720p and 1080p, 10-60 s, under 5 MB), in H.264, HEVC, VP9 and AV1, keyframe
// intervals of 1-10 s, portrait (coded and by rotation) and variable frame rate. Encoded with
// FFmpeg's libraries (scripts/media/encode.ts) from a moving test pattern with temporal noise, so
// the bit rate (and the decoder's work) is what a camera clip of that size costs, not what a flat
// synthetic picture costs. A first run takes a few CPU-minutes; the clips are cached under
// `${VPO_CACHE_DIR:-~/.cache/vpo}/corpus/` (each file named with a hash of how it is made), never
// committed.
// Usage: node scripts/gen-corpus.ts [DIR]   (prints the clips' paths)
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { encodeClip } from './media/encode.ts';

export interface CorpusClip {
  file: string;
  codec: 'h264' | 'hevc' | 'vp9' | 'av1';
  /** Coded size. */
  width: number;
  height: number;
  durationSeconds: number;
  fps: number;
  /** Keyframe interval. */
  gopSeconds: number;
  bitRate: number;
  /** Clockwise display rotation. */
  rotate?: number;
  /** Frames dropped irregularly (timestamps kept): variable frame rate. */
  vfr?: boolean;
}

export const corpusClips: CorpusClip[] = [
  // The reference class: a 720p 30 s H.264 upload with 2 s keyframes, ~4.5 MB.
  {
    file: 'h264-720p-30s-gop2.mp4',
    codec: 'h264',
    width: 1280,
    height: 720,
    durationSeconds: 30,
    fps: 30,
    gopSeconds: 2,
    bitRate: 1_150_000,
  },
  {
    file: 'h264-1080p-20s-gop5.mp4',
    codec: 'h264',
    width: 1920,
    height: 1080,
    durationSeconds: 20,
    fps: 30,
    gopSeconds: 5,
    bitRate: 1_700_000,
  },
  {
    file: 'h264-720p-60s-gop10.mp4',
    codec: 'h264',
    width: 1280,
    height: 720,
    durationSeconds: 60,
    fps: 25,
    gopSeconds: 10,
    bitRate: 580_000,
  },
  {
    file: 'hevc-720p-20s-gop4.mp4',
    codec: 'hevc',
    width: 1280,
    height: 720,
    durationSeconds: 20,
    fps: 30,
    gopSeconds: 4,
    bitRate: 1_500_000,
  },
  {
    file: 'vp9-720p-20s-gop2.webm',
    codec: 'vp9',
    width: 1280,
    height: 720,
    durationSeconds: 20,
    fps: 30,
    gopSeconds: 2,
    bitRate: 1_500_000,
  },
  {
    file: 'av1-720p-20s-gop5.mp4',
    codec: 'av1',
    width: 1280,
    height: 720,
    durationSeconds: 20,
    fps: 30,
    gopSeconds: 5,
    bitRate: 1_700_000,
  },
  {
    file: 'h264-portrait-720x1280-15s-gop1.mp4',
    codec: 'h264',
    width: 720,
    height: 1280,
    durationSeconds: 15,
    fps: 30,
    gopSeconds: 1,
    bitRate: 2_000_000,
  },
  {
    file: 'h264-rotated-720p-15s-gop3.mp4',
    codec: 'h264',
    width: 1280,
    height: 720,
    durationSeconds: 15,
    fps: 30,
    gopSeconds: 3,
    bitRate: 2_000_000,
    rotate: 90,
  },
  {
    file: 'h264-vfr-720p-20s-gop2.mp4',
    codec: 'h264',
    width: 1280,
    height: 720,
    durationSeconds: 20,
    fps: 30,
    gopSeconds: 2,
    bitRate: 1_500_000,
    vfr: true,
  },
];

const encoders: Record<CorpusClip['codec'], { videoCodec: string; videoOptions: Record<string, string> }> = {
  h264: { videoCodec: 'libx264', videoOptions: { preset: 'superfast' } },
  hevc: { videoCodec: 'libx265', videoOptions: { preset: 'ultrafast', 'x265-params': 'log-level=error' } },
  vp9: { videoCodec: 'libvpx-vp9', videoOptions: { deadline: 'realtime', 'cpu-used': '8', 'row-mt': '1' } },
  av1: { videoCodec: 'libsvtav1', videoOptions: { preset: '10' } },
};

/** A moving pattern whose hue turns, under fresh noise every frame: real residual to decode. */
export function corpusGraph(clip: CorpusClip): string {
  const base = `testsrc2=s=${clip.width}x${clip.height}:r=${clip.fps}:d=${clip.durationSeconds}`;
  const vfr = clip.vfr ? ",select='not(eq(mod(n\\,7)\\,3))*not(eq(mod(n\\,11)\\,5))'" : '';
  return `${base},hue=h=t*24,noise=alls=10:allf=t${vfr},format=yuv420p`;
}

export async function generateCorpusClip(dir: string, clip: CorpusClip): Promise<void> {
  await encodeClip(path.join(dir, clip.file), {
    graph: corpusGraph(clip),
    ...encoders[clip.codec],
    gopFrames: Math.round(clip.gopSeconds * clip.fps),
    bitRate: clip.bitRate,
    ...(clip.file.endsWith('.mp4') ? { muxerOptions: { movflags: '+faststart' } } : {}),
    ...(clip.rotate ? { rotateDegrees: clip.rotate } : {}),
  });
}

/** `${VPO_CACHE_DIR:-~/.cache/vpo}/corpus`. */
export function corpusDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.VPO_CACHE_DIR || path.join(homedir(), '.cache', 'vpo'), 'corpus');
}

export interface CorpusFile extends CorpusClip {
  path: string;
}

/** A clip's cached name carries a hash of how it is made: a changed spec makes a new file. */
export function cachedName(clip: CorpusClip): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([clip, corpusGraph(clip), encoders[clip.codec]]))
    .digest('hex');
  return `${hash.slice(0, 10)}-${clip.file}`;
}

/** Generates the clips missing from `dir` (default: the cache); returns every clip with its path. */
export async function ensureCorpus(
  dir: string = corpusDir(),
  log: (line: string) => void = () => {},
): Promise<CorpusFile[]> {
  await mkdir(dir, { recursive: true });
  const files: CorpusFile[] = [];
  for (const clip of corpusClips) {
    const file = path.join(dir, cachedName(clip));
    if (!existsSync(file)) {
      const startMs = performance.now();
      await generateCorpusClip(dir, { ...clip, file: path.basename(file) });
      log(`corpus: ${clip.file} in ${((performance.now() - startMs) / 1000).toFixed(1)} s`);
    }
    files.push({ ...clip, path: file });
  }
  return files;
}

if (import.meta.main) {
  const files = await ensureCorpus(process.argv[2] ? path.resolve(process.argv[2]) : undefined, (l) =>
    process.stderr.write(`${l}\n`),
  );
  for (const f of files) process.stdout.write(`${f.path}\n`);
}
