// Reference pixels for the sampling tests: the frames shown at given times, upright, scaled with
// libswscale's area-averaging filter to RGB24, made the way the ffmpeg CLI makes them. With a CLI on PATH,
// by the CLI itself (`select` by timestamp, its autorotate, `scale`); without one, by decoding
// every frame with node-av's plain decode loop and the same filters (no seeking, no picking).
import { execFileSync } from 'node:child_process';
import { FilterAPI } from 'node-av/api';
import { AV_PKT_DATA_DISPLAYMATRIX, AVERROR_EOF, AVMEDIA_TYPE_VIDEO } from 'node-av/constants';
import { Codec, CodecContext, FormatContext, Frame, Packet } from 'node-av/lib';
import { rotationFromDisplayMatrix } from './libav/input.ts';

interface Size {
  width: number;
  height: number;
}

const near = (a: number, b: number) => Math.abs(a - b) < 5e-4;

function byCli(file: string, times: number[], size: Size): Buffer {
  const expr = times.map((t) => `lt(abs(t-${t.toFixed(6)})\\,0.0005)`).join('+');
  return execFileSync(
    'ffmpeg',
    [
      ...['-hide_banner', '-v', 'error', '-nostdin', '-threads', '1', '-i', file],
      ...['-vf', `select='${expr}',scale=${size.width}:${size.height}:flags=area`],
      ...['-fps_mode', 'passthrough', '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'],
    ],
    { maxBuffer: 1 << 28 },
  );
}

const turns: Record<number, string> = {
  90: 'transpose=clock,',
  180: 'hflip,vflip,',
  270: 'transpose=cclock,',
};

function byLibav(file: string, times: number[], size: Size): Buffer {
  const format = new FormatContext();
  if (format.openInputSync(file, null, null) < 0) throw new Error(`cannot open ${file}`);
  const stream = format.streams.find((s) => s.codecpar.codecType === AVMEDIA_TYPE_VIDEO)!;
  const codec = Codec.findDecoder(stream.codecpar.codecId)!;
  const decoder = new CodecContext();
  decoder.allocContext3(codec);
  decoder.parametersToContext(stream.codecpar);
  decoder.pktTimebase = stream.timeBase;
  decoder.threadCount = 1;
  decoder.open2Sync(codec, null);
  const turn =
    turns[rotationFromDisplayMatrix(stream.codecpar.getCodedSideData(AV_PKT_DATA_DISPLAYMATRIX))] ?? '';
  const filter = FilterAPI.create(`${turn}scale=${size.width}:${size.height}:flags=area,format=rgb24`, {});
  const tb = stream.timeBase;
  const start = Number(stream.startTime) > 0 ? Number(stream.startTime) : 0;
  const out: Buffer[] = [];
  const packet = new Packet();
  packet.alloc();
  const frame = new Frame();
  frame.alloc();
  const drain = () => {
    while (decoder.receiveFrameSync(frame) >= 0) {
      const t = ((Number(frame.bestEffortTimestamp) - start) * tb.num) / tb.den;
      if (times.some((x) => near(x, t))) {
        frame.timeBase = tb;
        filter.processSync(frame);
        const rgb = filter.receiveSync() as Frame;
        out.push(rgb.toBuffer());
        rgb.free();
      }
      frame.unref();
    }
  };
  try {
    for (;;) {
      const code = format.readFrameSync(packet);
      if (code === AVERROR_EOF || code < 0) break;
      if (packet.streamIndex === stream.index) {
        decoder.sendPacketSync(packet);
        drain();
      }
      packet.unref();
    }
    decoder.sendPacketSync(null);
    drain();
  } finally {
    filter.close();
    frame.free();
    packet.free();
    decoder.freeContext();
    format.closeInputSync();
  }
  return Buffer.concat(out);
}

/** RGB24 frames in slot order for `timesSeconds` (a time repeated repeats its frame). */
export async function referenceFrames(
  file: string,
  timesSeconds: number[],
  size: Size,
  useCli: boolean,
): Promise<Buffer> {
  const distinct = [...new Set(timesSeconds)].sort((a, b) => a - b);
  const frames = useCli ? byCli(file, distinct, size) : byLibav(file, distinct, size);
  const frameBytes = size.width * size.height * 3;
  if (frames.length !== distinct.length * frameBytes) {
    throw new Error(
      `${file}: the reference gave ${frames.length / frameBytes} frames for ${distinct.length} times`,
    );
  }
  return Buffer.concat(
    timesSeconds.map((t) => {
      const k = distinct.indexOf(t);
      return frames.subarray(k * frameBytes, (k + 1) * frameBytes);
    }),
  );
}
