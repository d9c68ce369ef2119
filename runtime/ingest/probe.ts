// ffprobe → the facts ingest needs: is there a video stream, how long is it, how is it rotated.
import { IngestError } from './errors.ts';
import { runProcess } from './process.ts';

export interface ProbeResult {
  durationSeconds: number;
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

/** Maps an ffprobe failure to a reason: unrecognised data is not a video, a broken container is. */
function probeFailure(stderr: string): IngestError {
  const tail = stderr.trim().split('\n').slice(-3).join(' | ');
  if (/moov atom not found|truncat|end of file/i.test(stderr)) {
    return new IngestError('DecodeFailed', `container is truncated or damaged: ${tail}`);
  }
  return new IngestError('NotAVideo', `not a recognised media file: ${tail}`);
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
    startSeconds: [num(video.start_time), num(raw.format?.start_time)].find((s) => Number.isFinite(s)) ?? 0,
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
    ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '--', path],
    { timeoutMs, maxStdoutBytes: 1 << 20, maxStderrBytes: 4096 },
  );
  if (result.timedOut) throw new IngestError('DecodeFailed', `ffprobe did not finish in ${timeoutMs} ms`);
  if (result.overflow) throw new IngestError('NotAVideo', 'ffprobe output exceeds 1 MiB');
  if (result.code !== 0) throw probeFailure(result.stderr);
  return parseProbe(result.stdout.toString('utf8'));
}
