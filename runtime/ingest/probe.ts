// ffprobe → the facts ingest needs: is there a video stream, how long is it, how is it rotated.
import { open } from 'node:fs/promises';
import { IngestError } from './errors.ts';
import { runProcess, safeInputOptions } from './process.ts';

export interface ProbeResult {
  durationSeconds: number;
  /**
   * Where the video stream starts on ffmpeg's output timeline, which ffmpeg shifts so that the
   * file's earliest stream starts at 0 (MPEG-TS files start at 1.4 s, live captures at hours):
   * the video's start minus the file's start, usually 0. Sample times and seeks are relative to it.
   */
  startSeconds: number;
  width: number;
  height: number;
  /** Display rotation in degrees (from the display matrix or the legacy `rotate` tag). */
  rotationDegrees: number;
  codec: string;
  formatName: string;
  /** Average frame rate as frames per second, NaN when unknown (e.g. some VFR files). */
  averageFps: number;
  hasAudio: boolean;
}

interface RawStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  duration?: string;
  start_time?: string;
  avg_frame_rate?: string;
  disposition?: { attached_pic?: number };
  tags?: { rotate?: string };
  side_data_list?: Array<{ rotation?: number }>;
}

interface RawProbe {
  streams?: RawStream[];
  format?: { duration?: string; start_time?: string; format_name?: string };
}

function num(text: string | undefined): number {
  const value = Number(text);
  return text !== undefined && Number.isFinite(value) ? value : Number.NaN;
}

function rate(text: string | undefined): number {
  const [n, d] = (text ?? '').split('/').map(Number);
  return n !== undefined && d !== undefined && d > 0 ? n / d : Number.NaN;
}

/**
 * Maps an ffprobe failure to a reason: a file that starts like an MP4 (an `ftyp` box) or Matroska
 * (EBML magic) but cannot be opened is a damaged video; anything else is not a video at all (ffmpeg
 * also says "moov atom not found" for a text file named .mp4, so stderr alone cannot tell).
 */
async function probeFailure(stderr: string, path: string): Promise<IngestError> {
  const tail = stderr.trim().split('\n').slice(-3).join(' | ');
  const head = Buffer.alloc(12);
  const handle = await open(path, 'r');
  try {
    await handle.read(head, 0, 12, 0);
  } finally {
    await handle.close();
  }
  const looksLikeVideo = head.toString('latin1', 4, 8) === 'ftyp' || head.readUInt32BE(0) === 0x1a45dfa3;
  if (looksLikeVideo) {
    return new IngestError('DecodeFailed', `container is truncated or damaged: ${tail}`);
  }
  return new IngestError('NotAVideo', `not a recognised media file: ${tail}`);
}

function relativeStart(videoSeconds: number, fileSeconds: number): number {
  const offset = videoSeconds - fileSeconds;
  return Number.isFinite(offset) && offset > 0 ? offset : 0;
}

export function parseProbe(json: string): ProbeResult {
  let raw: RawProbe;
  try {
    raw = JSON.parse(json) as RawProbe;
  } catch (err) {
    throw new IngestError('NotAVideo', 'ffprobe output is not JSON', { cause: err });
  }
  const streams = raw.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video?.width || !video.height) {
    const kinds = streams.map((s) => s.codec_type).join(',') || 'none';
    throw new IngestError('NotAVideo', `no video stream (streams: ${kinds})`);
  }
  const durationSeconds = [num(raw.format?.duration), num(video.duration)].find((d) => d > 0) ?? Number.NaN;
  const sideRotation = video.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  const rotationDegrees = ((((sideRotation ?? num(video.tags?.rotate)) || 0) % 360) + 360) % 360;
  return {
    durationSeconds,
    startSeconds: relativeStart(num(video.start_time), num(raw.format?.start_time)),
    width: video.width,
    height: video.height,
    rotationDegrees,
    codec: video.codec_name ?? 'unknown',
    formatName: raw.format?.format_name ?? 'unknown',
    averageFps: rate(video.avg_frame_rate),
    hasAudio: streams.some((s) => s.codec_type === 'audio'),
  };
}

export async function probeVideo(ffprobePath: string, path: string, timeoutMs: number): Promise<ProbeResult> {
  const result = await runProcess(
    ffprobePath,
    [
      '-v',
      'error',
      '-print_format',
      'json',
      '-show_format',
      '-show_streams',
      ...safeInputOptions,
      '-i',
      path,
    ],
    { timeoutMs, maxStdoutBytes: 1 << 20, maxStderrBytes: 4096 },
  );
  if (result.timedOut) throw new IngestError('DecodeFailed', `ffprobe did not finish in ${timeoutMs} ms`);
  if (result.overflow) throw new IngestError('NotAVideo', 'ffprobe output exceeds 1 MiB');
  if (result.code !== 0) throw await probeFailure(result.stderr, path);
  return parseProbe(result.stdout.toString('utf8'));
}
