// Makes video files without the ffmpeg CLI: FFmpeg's libraries through node-av (the same package
// the ingest decodes with), from lavfi source graphs (testsrc2, color, sine…), so the sample clips,
// test fixtures and the benchmark corpus are right by construction and need nothing but `npm ci`.
// One call = one file: a video stream (and optionally an audio stream) encoded and muxed, with a
// display rotation, irregular timestamps (when the graph drops frames) and muxer options.
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  AV_CODEC_FLAG_GLOBAL_HEADER,
  AV_LOG_ERROR,
  AV_PKT_DATA_DISPLAYMATRIX,
  AVERROR_EAGAIN,
  AVERROR_EOF,
  AVFMT_GLOBALHEADER,
  AVMEDIA_TYPE_AUDIO,
  AVMEDIA_TYPE_VIDEO,
} from 'node-av/constants';
import type { Stream } from 'node-av/lib';
import {
  Codec,
  CodecContext,
  FFmpegError,
  FormatContext,
  Frame,
  InputFormat,
  Log,
  Packet,
  Rational,
} from 'node-av/lib';

export interface EncodeSpec {
  /** A lavfi graph with one output, or `[out0]` and `[out1]` outputs (video and audio). */
  graph: string;
  /** Video encoder; the graph's video output is dropped without one (an audio-only file). */
  videoCodec?: string;
  /** Private options of the video encoder (preset, crf, …). */
  videoOptions?: Record<string, string>;
  /** Frames between keyframes (the GOP); the encoder's default when absent. */
  gopFrames?: number;
  /** Target bit rate in bits per second (else the encoder's rate control options decide). */
  bitRate?: number;
  audioCodec?: string;
  /** Muxer name (mp4, webm, matroska, mpegts, h264…); from the file extension when absent. */
  format?: string;
  /** Muxer options (movflags, output_ts_offset, …). */
  muxerOptions?: Record<string, string>;
  /** Clockwise display rotation written as the stream's display matrix. */
  rotateDegrees?: number;
}

const formatByExtension: Record<string, string> = {
  '.mp4': 'mp4',
  '.mov': 'mov',
  '.webm': 'webm',
  '.mkv': 'matroska',
  '.ts': 'mpegts',
  '.h264': 'h264',
  '.m4a': 'mp4',
};

/**
 * The display matrix that shows the picture turned `clockwiseDegrees` clockwise, in the convention
 * the ffmpeg CLI's autorotate applies (and runtime/ingest/libav/input.ts reads back): 90 makes
 * players (and the ingest) turn the coded picture a quarter clockwise.
 */
export function displayMatrix(clockwiseDegrees: number): Buffer {
  const radians = (-clockwiseDegrees * Math.PI) / 180;
  const [c, s] = [Math.round(Math.cos(radians)), Math.round(Math.sin(radians))];
  const m = [c * 65536, -s * 65536, 0, s * 65536, c * 65536, 0, 0, 0, 1 << 30];
  const buffer = Buffer.alloc(36);
  m.forEach((v, i) => {
    buffer.writeInt32LE(v, i * 4);
  });
  return buffer;
}

function check(code: number, what: string): number {
  if (code < 0 && code !== AVERROR_EAGAIN && code !== AVERROR_EOF) {
    throw new Error(`${what}: ${FFmpegError.strerror(code)}`);
  }
  return code;
}

interface Track {
  input: Stream;
  decoder: CodecContext;
  encoder: CodecContext;
  output: Stream;
  /** One nominal frame interval in the encoder's time base (so the last frame has a duration). */
  frameTicks: bigint;
}

function frameTicks(encoder: CodecContext, video: boolean): bigint {
  const [tb, rate] = [encoder.timeBase, encoder.framerate];
  if (!video || rate.num <= 0 || tb.num <= 0) return 0n;
  return BigInt(Math.max(1, Math.round((tb.den * rate.den) / (tb.num * rate.num))));
}

function openDecoder(stream: Stream): CodecContext {
  const codec = Codec.findDecoder(stream.codecpar.codecId);
  if (!codec) throw new Error(`no decoder for lavfi stream ${stream.index}`);
  const decoder = new CodecContext();
  decoder.allocContext3(codec);
  check(decoder.parametersToContext(stream.codecpar), 'decoder parameters');
  decoder.pktTimebase = stream.timeBase;
  check(decoder.open2Sync(codec, null), 'open decoder');
  return decoder;
}

function openEncoder(name: string, first: Frame, input: Stream, spec: EncodeSpec, globalHeader: boolean) {
  const codec = Codec.findEncoderByName(name as never);
  if (!codec) throw new Error(`encoder ${name} is not in this FFmpeg build`);
  const encoder = new CodecContext();
  encoder.allocContext3(codec);
  const video = input.codecpar.codecType === AVMEDIA_TYPE_VIDEO;
  if (video) {
    encoder.width = first.width;
    encoder.height = first.height;
    encoder.pixelFormat = first.format as never;
    encoder.timeBase = input.timeBase;
    const rate = input.avgFrameRate.num > 0 ? input.avgFrameRate : input.rFrameRate;
    encoder.framerate = new Rational(rate.num, rate.den);
    encoder.sampleAspectRatio = new Rational(1, 1);
    if (spec.gopFrames) encoder.gopSize = spec.gopFrames;
    if (spec.bitRate) encoder.bitRate = BigInt(spec.bitRate);
  } else {
    encoder.sampleRate = first.sampleRate;
    encoder.sampleFormat = first.format as never;
    encoder.channelLayout = first.channelLayout;
    encoder.timeBase = new Rational(1, first.sampleRate);
  }
  encoder.threadCount = 1;
  if (globalHeader) encoder.setFlags(AV_CODEC_FLAG_GLOBAL_HEADER);
  // Options are set on the context (searching the codec's private ones), not passed as a
  // dictionary: avcodec_open2 replaces the dictionary it is given, which the binding would free again.
  for (const [key, value] of Object.entries(video ? (spec.videoOptions ?? {}) : {})) {
    check(encoder.setOption(key, value), `encoder option ${key}=${value}`);
  }
  check(encoder.open2Sync(codec, null), `open encoder ${name}`);
  return encoder;
}

/** Encodes `spec.graph` into `out` (written under a temporary name, then renamed). */
export async function encodeClip(out: string, spec: EncodeSpec): Promise<void> {
  Log.setLevel(AV_LOG_ERROR);
  // SVT-AV1 logs its configuration at info level unless told otherwise (1 = errors only).
  process.env.SVT_LOG ??= '1';
  const temp = `${out}.tmp-${process.pid}${path.extname(out)}`;
  try {
    encodeSync(temp, spec);
    await rename(temp, out);
  } finally {
    await rm(temp, { force: true });
  }
}

function encodeSync(out: string, spec: EncodeSpec): void {
  const source = new FormatContext();
  check(source.openInputSync(spec.graph, InputFormat.findInputFormat('lavfi'), null), `lavfi ${spec.graph}`);
  const sink = new FormatContext();
  const tracks = new Map<number, Track>();
  const packet = new Packet();
  packet.alloc();
  const frame = new Frame();
  frame.alloc();
  let headerWritten = false;
  try {
    check(source.findStreamInfoSync(null), 'lavfi stream info');
    const format = spec.format ?? formatByExtension[path.extname(out)] ?? 'mp4';
    check(sink.allocOutputContext2(null, format, out), `muxer ${format}`);
    const globalHeader = ((sink.oformat?.flags ?? 0) & AVFMT_GLOBALHEADER) !== 0;
    const pending = source.streams.filter((s) =>
      s.codecpar.codecType === AVMEDIA_TYPE_VIDEO
        ? !!spec.videoCodec
        : s.codecpar.codecType === AVMEDIA_TYPE_AUDIO && !!spec.audioCodec,
    );
    const decoders = new Map(pending.map((s) => [s.index, openDecoder(s)]));
    const queued: Array<{ stream: number; frame: Frame }> = [];
    const write = (track: Track) => {
      for (;;) {
        const code = track.encoder.receivePacketSync(packet);
        if (code === AVERROR_EAGAIN || code === AVERROR_EOF) return;
        check(code, 'encode');
        if (packet.duration <= 0n && track.frameTicks > 0n) packet.duration = track.frameTicks;
        packet.streamIndex = track.output.index;
        packet.rescaleTs(track.encoder.timeBase, track.output.timeBase);
        check(sink.interleavedWriteFrameSync(packet), 'write packet');
      }
    };
    // Encoders open on their first frame (they need its size and format); the header is written
    // once every stream has one, and frames that arrived before are encoded then.
    const start = () => {
      for (const s of pending) {
        const first = queued.find((q) => q.stream === s.index)?.frame;
        if (!first) return;
      }
      for (const s of pending) {
        const first = queued.find((q) => q.stream === s.index)!.frame;
        const codecName = (s.codecpar.codecType === AVMEDIA_TYPE_VIDEO ? spec.videoCodec : spec.audioCodec)!;
        const encoder = openEncoder(codecName, first, s, spec, globalHeader);
        const output = sink.newStream(null);
        check(encoder.parametersFromContext(output.codecpar), 'stream parameters');
        output.timeBase = encoder.timeBase;
        if (s.codecpar.codecType === AVMEDIA_TYPE_VIDEO && spec.rotateDegrees) {
          check(
            output.codecpar.addCodedSideData(AV_PKT_DATA_DISPLAYMATRIX, displayMatrix(spec.rotateDegrees)),
            'display matrix',
          );
        }
        const video = s.codecpar.codecType === AVMEDIA_TYPE_VIDEO;
        tracks.set(s.index, {
          input: s,
          decoder: decoders.get(s.index)!,
          encoder,
          output,
          frameTicks: frameTicks(encoder, video),
        });
      }
      check(sink.openOutputSync(), `open ${out}`);
      for (const [key, value] of Object.entries(spec.muxerOptions ?? {})) {
        check(sink.setOption(key, value), `muxer option ${key}=${value}`);
      }
      check(sink.writeHeaderSync(null), 'write header');
      headerWritten = true;
      for (const q of queued.splice(0)) encodeFrame(q.stream, q.frame);
    };
    const encodeFrame = (streamIndex: number, f: Frame) => {
      const track = tracks.get(streamIndex)!;
      if (track.input.codecpar.codecType === AVMEDIA_TYPE_VIDEO) f.pictType = 0 as never;
      check(track.encoder.sendFrameSync(f), 'send frame');
      f.free();
      write(track);
    };
    const drain = (streamIndex: number) => {
      const decoder = decoders.get(streamIndex)!;
      for (;;) {
        const f = new Frame();
        f.alloc();
        if (decoder.receiveFrameSync(f) < 0) {
          f.free();
          return;
        }
        if (headerWritten) encodeFrame(streamIndex, f);
        else {
          queued.push({ stream: streamIndex, frame: f });
          start();
        }
      }
    };
    while (source.readFrameSync(packet) >= 0) {
      const index = packet.streamIndex;
      if (decoders.has(index)) {
        check(decoders.get(index)!.sendPacketSync(packet), 'decode lavfi');
        packet.unref();
        drain(index);
      } else packet.unref();
    }
    for (const index of decoders.keys()) {
      decoders.get(index)!.sendPacketSync(null);
      drain(index);
    }
    if (!headerWritten) throw new Error(`lavfi graph gave no frames: ${spec.graph}`);
    for (const track of tracks.values()) {
      check(track.encoder.sendFrameSync(null), 'flush encoder');
      write(track);
    }
    check(sink.writeTrailerSync(), 'write trailer');
  } finally {
    for (const track of tracks.values()) track.encoder.freeContext();
    for (const track of tracks.values()) track.decoder.freeContext();
    frame.free();
    packet.free();
    if (headerWritten) sink.closeOutputSync();
    sink.freeContext();
    source.closeInputSync();
  }
}
