// The physical limits the decode benchmark compares the ingest against, on one thread:
// - ffmpeg's own full decode of a clip (every frame, `-f null`), and its keyframes-only decode
//   (`-skip_frame nokey`), CPU time as `-benchmark` reports it (utime + stime), when the ffmpeg CLI
//   is on PATH;
// - the same two decodes in-process with FFmpeg's libraries (node-av, the build the ingest uses):
//   every packet through the decoder and nothing else, timed by this thread's CPU time. These are
//   measured always, so the benchmark runs on a machine without the CLI too.
import { execFileSync, spawnSync } from 'node:child_process';
import { AV_LOG_QUIET, AVMEDIA_TYPE_VIDEO } from 'node-av/constants';
import { Codec, CodecContext, FormatContext, Frame, Log, Packet } from 'node-av/lib';

export function hasFfmpegCli(): boolean {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** CPU ms of the ffmpeg CLI decoding `file` on one thread (keyframes only when asked). */
export function ffmpegCliDecodeCpuMs(file: string, keyframesOnly: boolean): number {
  const args = [
    ...['-hide_banner', '-nostdin', '-benchmark', '-threads', '1'],
    ...(keyframesOnly ? ['-skip_frame', 'nokey'] : []),
    ...['-i', file, '-map', '0:v:0', '-f', 'null', '-'],
  ];
  const run = spawnSync('ffmpeg', args, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const text = run.stderr ?? '';
  if (run.status !== 0) throw new Error(`ffmpeg failed on ${file}: ${text.slice(-300)}`);
  const m = /bench: utime=([\d.]+)s stime=([\d.]+)s/.exec(text);
  if (!m) throw new Error(`ffmpeg -benchmark printed no times for ${file}: ${text.slice(-300)}`);
  return (Number(m[1]) + Number(m[2])) * 1000;
}

/** CPU ms of libavcodec decoding `file` in this thread (keyframes only: key packets, skip_frame). */
export function libavDecodeCpuMs(file: string, keyframesOnly: boolean): number {
  Log.setLevel(AV_LOG_QUIET);
  const before = process.threadCpuUsage();
  const format = new FormatContext();
  if (format.openInputSync(file, null, null) < 0) throw new Error(`cannot open ${file}`);
  const stream = format.streams.find((s) => s.codecpar.codecType === AVMEDIA_TYPE_VIDEO)!;
  const codec = Codec.findDecoder(stream.codecpar.codecId)!;
  const decoder = new CodecContext();
  decoder.allocContext3(codec);
  decoder.parametersToContext(stream.codecpar);
  decoder.pktTimebase = stream.timeBase;
  decoder.threadCount = 1;
  if (keyframesOnly) decoder.setOption('skip_frame', 'nokey');
  decoder.open2Sync(codec, null);
  const packet = new Packet();
  packet.alloc();
  const frame = new Frame();
  frame.alloc();
  const drain = () => {
    while (decoder.receiveFrameSync(frame) >= 0) frame.unref();
  };
  try {
    while (format.readFrameSync(packet) >= 0) {
      if (packet.streamIndex === stream.index && (!keyframesOnly || packet.isKeyframe)) {
        decoder.sendPacketSync(packet);
        drain();
      }
      packet.unref();
    }
    decoder.sendPacketSync(null);
    drain();
  } finally {
    frame.free();
    packet.free();
    decoder.freeContext();
    format.closeInputSync();
  }
  const used = process.threadCpuUsage(before);
  return (used.user + used.system) / 1000;
}
