// Opens a local video with libavformat (through node-av, in the decode worker) and reads the facts
// ingest needs from the container: the video stream, its duration, size, rotation and codec. No
// decoder exists yet, so the bounds on pixels and duration are checked before anything decodes.
// Only local files and real video containers are opened: no network protocols (an HLS playlist
// could point at a metadata endpoint), no concat lists.
import { closeSync, openSync, readSync } from 'node:fs';
import {
  AV_DISPOSITION_ATTACHED_PIC,
  AV_NOPTS_VALUE,
  AV_PKT_DATA_DISPLAYMATRIX,
  AVDISCARD_ALL,
  AVMEDIA_TYPE_AUDIO,
  AVMEDIA_TYPE_VIDEO,
} from 'node-av/constants';
import type { Stream } from 'node-av/lib';
import { avGetCodecName, Dictionary, FFmpegError, FormatContext } from 'node-av/lib';
import type { VideoFacts } from '../decode.ts';
import { IngestError } from '../errors.ts';
import { codecPixelLimit } from './decoder.ts';

export const allowedDemuxers =
  'mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpeg,ogg,flv,h264,hevc,m4v,ivf,gif';

/** More streams than any real upload has; a file claiming more is refused while opening. */
const maxStreams = 64;

export interface OpenedInput {
  format: FormatContext;
  stream: Stream;
  facts: VideoFacts;
}

/**
 * A file that starts like an MP4 (an `ftyp` box) or Matroska (EBML magic) but cannot be opened is
 * a damaged video; anything else is not a video at all (libavformat says "invalid data" for both).
 */
function openFailure(path: string, code: number): IngestError {
  const head = Buffer.alloc(12);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    readSync(fd, head, 0, 12, 0);
  } catch {
    // unreadable: judged as not a video below
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const why = FFmpegError.strerror(code);
  const looksLikeVideo = head.toString('latin1', 4, 8) === 'ftyp' || head.readUInt32BE(0) === 0x1a45dfa3;
  if (looksLikeVideo) return new IngestError('DecodeFailed', `container is truncated or damaged: ${why}`);
  return new IngestError('NotAVideo', `not a recognised media file: ${why}`);
}

/** Clockwise degrees the picture turns for display, from the stream's display matrix (0 if none). */
export function rotationFromDisplayMatrix(matrix: Buffer | null): number {
  if (!matrix || matrix.length < 36) return 0;
  const m = (i: number) => matrix.readInt32LE(i * 4) / 65536;
  const scale0 = Math.hypot(m(0), m(3));
  const scale1 = Math.hypot(m(1), m(4));
  if (scale0 === 0 || scale1 === 0) return 0;
  // av_display_rotation_get() gives the counter-clockwise angle; display turns it back.
  const counterClockwise = -(Math.atan2(m(1) / scale1, m(0) / scale0) * 180) / Math.PI;
  const clockwise = Math.round(-counterClockwise / 90) * 90;
  return ((clockwise % 360) + 360) % 360;
}

function seconds(ts: bigint, timeBase: { num: number; den: number }): number {
  if (ts === AV_NOPTS_VALUE || timeBase.den === 0) return Number.NaN;
  return (Number(ts) * timeBase.num) / timeBase.den;
}

function videoStream(format: FormatContext): Stream | undefined {
  return format.streams.find(
    (s) => s.codecpar.codecType === AVMEDIA_TYPE_VIDEO && (s.disposition & AV_DISPOSITION_ATTACHED_PIC) === 0,
  );
}

function readFacts(format: FormatContext, stream: Stream): VideoFacts {
  const par = stream.codecpar;
  const formatSeconds = format.duration === AV_NOPTS_VALUE ? Number.NaN : Number(format.duration) / 1e6;
  const streamSeconds = seconds(stream.duration, stream.timeBase);
  const rate = stream.avgFrameRate;
  return {
    durationSeconds: [streamSeconds, formatSeconds].find((d) => d > 0) ?? Number.NaN,
    startSeconds: seconds(stream.startTime, stream.timeBase) || 0,
    width: par.width,
    height: par.height,
    rotationDegrees: rotationFromDisplayMatrix(par.getCodedSideData(AV_PKT_DATA_DISPLAYMATRIX)),
    codec: avGetCodecName(par.codecId) ?? 'unknown',
    container: format.iformat?.name ?? 'unknown',
    averageFps: rate.den > 0 && rate.num > 0 ? rate.num / rate.den : Number.NaN,
    hasAudio: format.streams.some((s) => s.codecpar.codecType === AVMEDIA_TYPE_AUDIO),
  };
}

/**
 * Opens `path`; throws IngestError NotAVideo / DecodeFailed / TooLong / FrameTooLarge. Stream info
 * (which may decode a little) is read only when the header lacks the size or duration (MPEG-TS,
 * raw streams), and then under the same pixel bound the decoder gets.
 */
export function openInput(
  path: string,
  bounds: { maxDurationSeconds: number; maxPixelsPerFrame: number },
): OpenedInput {
  const format = new FormatContext();
  const options = Dictionary.fromObject({
    protocol_whitelist: 'file',
    format_whitelist: allowedDemuxers,
    max_streams: maxStreams,
  });
  // The binding hands the dictionary to libavformat, which consumes it: never freed here.
  const code = format.openInputSync(path, null, options);
  if (code < 0) {
    format.freeContext();
    throw openFailure(path, code);
  }
  try {
    let stream = videoStream(format);
    const incomplete = () =>
      !stream || !(stream.codecpar.width > 0) || !(readFacts(format, stream).durationSeconds > 0);
    if (incomplete()) {
      for (const s of format.streams)
        if (s.codecpar.codecType !== AVMEDIA_TYPE_VIDEO) s.discard = AVDISCARD_ALL;
      const info = Dictionary.fromObject({
        max_pixels: codecPixelLimit(bounds.maxPixelsPerFrame),
        threads: 1,
      });
      const ret = format.findStreamInfoSync(info);
      if (ret < 0) throw openFailure(path, ret);
      stream = videoStream(format);
    }
    if (!stream || !(stream.codecpar.width > 0) || !(stream.codecpar.height > 0)) {
      const kinds = format.streams.map((s) => s.codecpar.codecType).join(',') || 'none';
      throw new IngestError('NotAVideo', `no video stream (stream types: ${kinds})`);
    }
    const facts = readFacts(format, stream);
    checkBounds(facts, bounds);
    for (const s of format.streams) if (s.index !== stream.index) s.discard = AVDISCARD_ALL;
    return { format, stream, facts };
  } catch (err) {
    format.closeInputSync();
    throw err;
  }
}

function checkBounds(facts: VideoFacts, bounds: { maxDurationSeconds: number; maxPixelsPerFrame: number }) {
  const pixels = facts.width * facts.height;
  if (pixels > bounds.maxPixelsPerFrame) {
    throw new IngestError(
      'FrameTooLarge',
      `frames of ${facts.width}×${facts.height} = ${pixels} pixels > maxPixelsPerFrame ${bounds.maxPixelsPerFrame}`,
    );
  }
  if (!(facts.durationSeconds > 0)) throw new IngestError('DecodeFailed', 'the video has no known duration');
  if (facts.durationSeconds > bounds.maxDurationSeconds) {
    throw new IngestError(
      'TooLong',
      `duration ${facts.durationSeconds} s > maxDurationSeconds ${bounds.maxDurationSeconds}`,
    );
  }
}
