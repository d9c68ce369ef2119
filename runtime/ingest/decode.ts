// One ffmpeg process per video samples `frames` RGB24 frames at width×height to a pipe.
// Two ways, chosen by duration (measured with bench/decode-efficiency.bench.ts):
// - `select`: decode the clip once, keep the first frame at or after each target time, scale only
//   those. Cheapest for short clips, exact on VFR (it works on timestamps, not frame numbers).
// - `seek`: one input per target with an input `-ss` (keyframe seek, then decode up to the
//   target), so a long clip costs `frames` GOPs instead of the whole stream.
// ffmpeg autorotates (display matrix), so portrait/rotated clips come out upright; they are then
// stretched to width×height by default (what classifier preprocessing usually does, and it keeps
// the content's pixel statistics) or letterboxed with black bars when `resize` is `letterbox`.
import { IngestError } from './errors.ts';
import { runProcess, safeInputOptions } from './process.ts';
import type { Assignment } from './sampling.ts';
import {
  arrangeFrames,
  assignFrames,
  assignInOrder,
  sampleTimesSeconds,
  selectExpression,
} from './sampling.ts';

export type ResizeMode = 'stretch' | 'letterbox';
export type SampleMethod = 'select' | 'seek';

export interface DecodeRequest {
  path: string;
  frames: number;
  width: number;
  height: number;
  startSeconds: number;
  durationSeconds: number;
  /** Average frames per second when known: targets then pick the nearest frame, not the next one. */
  averageFps?: number;
  method: SampleMethod;
  resize: ResizeMode;
  threads: number;
  timeoutMs: number;
  ffmpegPath: string;
}

export interface DecodeResult {
  data: Uint8Array;
  decodedFrames: number;
  repeatedFrames: number;
}

/**
 * Times at which to pick "the first frame at or after": the uniform targets moved back by half a
 * frame interval, which picks the nearest frame on constant-rate clips (and a close one on VFR).
 */
export function selectTimesSeconds(request: DecodeRequest): number[] {
  const fps = request.averageFps ?? Number.NaN;
  const half = fps > 0 ? 0.5 / fps : 0;
  return sampleTimesSeconds(request.startSeconds, request.durationSeconds, request.frames).map(
    (t) => t - half,
  );
}

function resizeFilter(width: number, height: number, resize: ResizeMode): string {
  if (resize === 'letterbox') {
    return `scale=${width}:${height}:force_original_aspect_ratio=decrease:flags=bilinear,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2,setsar=1`;
  }
  return `scale=${width}:${height}:flags=bilinear,setsar=1`;
}

/** The ffmpeg arguments for a request, also used by the benchmark to run the same work. */
export function decodeArgs(
  request: DecodeRequest,
  output: string[] = ['-f', 'rawvideo', 'pipe:1'],
): string[] {
  const { path, frames, width, height } = request;
  const times =
    request.method === 'select'
      ? selectTimesSeconds(request)
      : sampleTimesSeconds(request.startSeconds, request.durationSeconds, frames);
  const common = ['-hide_banner', '-nostdin', '-nostats', '-threads', String(request.threads)];
  const resize = resizeFilter(width, height, request.resize);
  if (request.method === 'select') {
    return [
      ...common,
      '-v',
      'info',
      ...safeInputOptions,
      // Guard against streams longer than they claim: never read past the probed duration + 1 s.
      '-t',
      (request.durationSeconds + 1).toFixed(3),
      '-i',
      path,
      '-map',
      '0:v:0',
      '-vf',
      `select='${selectExpression(times)}',showinfo,${resize}`,
      '-fps_mode',
      'passthrough',
      '-frames:v',
      String(frames),
      '-pix_fmt',
      'rgb24',
      ...output,
    ];
  }
  const inputs = times.flatMap((t) => [...safeInputOptions, '-ss', t.toFixed(6), '-i', path]);
  const chains = times.map((_, i) => `[${i}:v:0]trim=end_frame=1,setpts=PTS-STARTPTS,${resize}[v${i}]`);
  const labels = times.map((_, i) => `[v${i}]`).join('');
  return [
    ...common,
    '-v',
    'error',
    ...inputs,
    '-filter_complex',
    `${chains.join(';')};${labels}concat=n=${frames}:v=1:a=0[out]`,
    '-map',
    '[out]',
    '-fps_mode',
    'passthrough',
    '-pix_fmt',
    'rgb24',
    ...output,
  ];
}

function frameTimes(stderr: string): number[] {
  const times: number[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.includes('Parsed_showinfo')) continue;
    const match = /pts_time:\s*(-?[\d.]+(?:e[-+]?\d+)?)/i.exec(line);
    if (match?.[1]) times.push(Number(match[1]));
  }
  return times;
}

export async function decodeFrames(request: DecodeRequest): Promise<DecodeResult> {
  const frameBytes = request.width * request.height * 3;
  const result = await runProcess(request.ffmpegPath, decodeArgs(request), {
    timeoutMs: request.timeoutMs,
    maxStdoutBytes: request.frames * frameBytes,
    // showinfo writes ~400 bytes per selected frame; keep enough to read every timestamp.
    maxStderrBytes: 64 * 1024 + request.frames * 1024,
  });
  if (result.timedOut) {
    throw new IngestError(
      'TooLong',
      `decoding took longer than ${request.timeoutMs} ms (endless or huge stream)`,
    );
  }
  const decodedFrames = Math.floor(result.stdout.length / frameBytes);
  if (decodedFrames === 0) {
    const tail = result.stderr.trim().split('\n').slice(-2).join(' | ');
    throw new IngestError('DecodeFailed', `no frame could be decoded (exit ${result.code}): ${tail}`);
  }
  // A non-zero exit after some frames (truncated data) still leaves usable frames: keep them.
  let assignment: Assignment;
  if (request.method === 'select') {
    const times = frameTimes(result.stderr).slice(0, decodedFrames);
    const targets = selectTimesSeconds(request);
    assignment =
      times.length === decodedFrames
        ? assignFrames(targets, times)
        : assignInOrder(request.frames, decodedFrames);
  } else {
    assignment = assignInOrder(request.frames, decodedFrames);
  }
  const decoded = result.stdout.subarray(0, decodedFrames * frameBytes);
  const identity =
    decodedFrames === request.frames && assignment.frameIndex.every((index, slot) => index === slot);
  return {
    data: identity ? decoded : arrangeFrames(decoded, frameBytes, assignment.frameIndex),
    decodedFrames,
    repeatedFrames: assignment.repeatedFrames,
  };
}
