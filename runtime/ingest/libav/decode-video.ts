// Decode-once sampling of one video, synchronously (it runs in a decode worker thread):
// - uniform: frames are decoded in order and each slot takes the frame nearest to its time (frames
//   far from every slot's time that nothing references are skipped by the codec);
//   a gap longer than twice the GOP seen so far is sought over instead (long videos cost a GOP
//   per slot, not the whole stream);
// - keyframes: packets are demuxed but only keyframes reach the decoder, and only the keyframe
//   nearest to each slot's time is decoded (an order of magnitude less CPU on real clips: a
//   keyframe interval of 2 s at 30 fps is one frame in 60).
// Both stop as soon as every slot is decided. Picked frames go through the RGB sink (libswscale).
import { AV_LOG_QUIET, AV_NOPTS_VALUE, AVSEEK_FLAG_BACKWARD } from 'node-av/constants';
import type { FormatContext, Frame, Rational, Stream } from 'node-av/lib';
import { Log, Packet } from 'node-av/lib';
import type { DecodeJob, DecodeOutput } from '../decode.ts';
import { IngestError } from '../errors.ts';
import type { Pick } from '../sampling.ts';
import {
  candidateWindowSeconds,
  NearestPicker,
  nearAnyTarget,
  repeatedSlots,
  sampleTimesSeconds,
  shouldSeek,
  skipsLoopFilter,
} from '../sampling.ts';
import { VideoDecoder } from './decoder.ts';
import type { OpenedInput } from './input.ts';
import { openInput } from './input.ts';
import { RgbSink } from './rgb-sink.ts';

interface Candidate<T> {
  value: T;
  serial: number;
  timeSeconds: number;
  /** The first slot it was converted into. */
  slot?: number;
}

/** Keyframe intervals seen while reading: what a seek would cost. */
class GopTracker {
  private lastKeySeconds = Number.NaN;
  /** The target of the last seek, until the keyframe it landed on is read. */
  private soughtSeconds = Number.NaN;
  longestSeconds = 0;

  key(timeSeconds: number): void {
    if (!Number.isNaN(this.soughtSeconds)) {
      // A backward seek lands on the last keyframe at or before its target, so the interval
      // that keyframe starts is at least this long, however far back that is.
      this.longestSeconds = Math.max(this.longestSeconds, this.soughtSeconds - timeSeconds);
      this.soughtSeconds = Number.NaN;
    } else if (timeSeconds > this.lastKeySeconds) {
      this.longestSeconds = Math.max(this.longestSeconds, timeSeconds - this.lastKeySeconds);
    }
    this.lastKeySeconds = timeSeconds;
  }

  sought(targetSeconds: number): void {
    this.soughtSeconds = targetSeconds;
  }

  /** The longest interval, or at least how far `position` is past the last keyframe seen. */
  boundSeconds(positionSeconds: number): number {
    const sinceKey = positionSeconds - this.lastKeySeconds;
    return Math.max(this.longestSeconds, Number.isFinite(sinceKey) ? sinceKey : 0);
  }
}

class Session {
  readonly packet = new Packet();
  readonly slots: number[];
  /** Per slot, the time of the frame it got. */
  readonly slotTimes: number[];
  readonly gops = new GopTracker();
  seeks = 0;
  private lastSeekTargetSeconds = Number.NEGATIVE_INFINITY;

  readonly format: FormatContext;
  readonly stream: Stream;
  /** The stream's time base, read once: the binding builds a new object on every read. */
  readonly timeBase: Rational;
  readonly job: DecodeJob;
  readonly decoder: VideoDecoder;
  readonly sink: RgbSink;
  private readonly deadlineMs: number;
  private readonly nowMs: () => number;

  constructor(
    job: DecodeJob,
    input: OpenedInput,
    parts: { decoder: VideoDecoder; sink: RgbSink },
    deadlineMs: number,
    nowMs: () => number,
  ) {
    this.job = job;
    this.decoder = parts.decoder;
    this.sink = parts.sink;
    this.deadlineMs = deadlineMs;
    this.nowMs = nowMs;
    this.format = input.format;
    this.stream = input.stream;
    this.timeBase = input.stream.timeBase;
    this.packet.alloc();
    this.slots = new Array<number>(job.frames).fill(-1);
    this.slotTimes = new Array<number>(job.frames).fill(Number.NaN);
  }

  seconds(ts: bigint): number {
    const tb = this.timeBase;
    return ts === AV_NOPTS_VALUE ? Number.NaN : (Number(ts) * tb.num) / tb.den;
  }

  checkDeadline(): void {
    if (this.nowMs() > this.deadlineMs) {
      throw new IngestError(
        'TooLong',
        `decoding took longer than ${this.job.timeoutMs} ms (endless or huge stream)`,
      );
    }
  }

  /** Reads the next packet of the video stream into `packet`; false at the end (or a read error). */
  readVideoPacket(): boolean {
    for (;;) {
      this.checkDeadline();
      this.packet.unref();
      if (this.format.readFrameSync(this.packet) < 0) return false;
      if (this.packet.streamIndex !== this.stream.index) continue;
      if (this.packet.isKeyframe) this.gops.key(this.packetSeconds());
      return true;
    }
  }

  packetSeconds(): number {
    const pts = this.seconds(this.packet.pts);
    return Number.isNaN(pts) ? this.seconds(this.packet.dts) : pts;
  }

  /**
   * Seeks to the keyframe at or before `targetSeconds` when the gap is worth it; never twice for
   * the same target (a seek that lands before where decoding already was teaches the GOP instead).
   */
  maybeSeek(positionSeconds: number, targetSeconds: number, beforeSeek: () => void = () => {}): boolean {
    const gap = targetSeconds - positionSeconds;
    if (targetSeconds <= this.lastSeekTargetSeconds) return false;
    if (!shouldSeek(gap, this.gops.boundSeconds(positionSeconds), this.job.minSeekGapSeconds)) return false;
    this.lastSeekTargetSeconds = targetSeconds;
    beforeSeek();
    const tb = this.timeBase;
    const ts = BigInt(Math.floor((targetSeconds * tb.den) / tb.num));
    if (this.format.seekFrameSync(this.stream.index, ts, AVSEEK_FLAG_BACKWARD) < 0) return false;
    this.decoder.reset();
    this.gops.sought(targetSeconds);
    this.seeks++;
    return true;
  }

  /** Converts picked candidates into their slots (a candidate picked twice is copied). */
  place<T>(picks: Pick<Candidate<T>>[], frameOf: (c: Candidate<T>) => Frame): void {
    for (const { slot, item } of picks)
      this.fill(item, [slot], item.slot === undefined ? frameOf(item) : undefined);
  }

  /** Puts `frame` (or the candidate's already converted picture) into `slots`. */
  fill<T>(item: Candidate<T>, slots: number[], frame?: Frame): void {
    for (const slot of slots) {
      if (item.slot !== undefined) this.sink.copySlot(item.slot, slot);
      else if (frame) {
        this.sink.put(frame, this.timeBase, slot);
        item.slot = slot;
      } else continue;
      this.slots[slot] = item.serial;
      this.slotTimes[slot] = item.timeSeconds;
    }
  }

  /** Slots left empty (a picked keyframe that did not decode) take the nearest filled slot. */
  fillGaps(): void {
    const filled = this.slots.flatMap((s, i) => (s >= 0 ? [i] : []));
    if (filled.length === 0) return;
    this.slots.forEach((s, slot) => {
      if (s >= 0) return;
      const from = filled.reduce((best, i) => (Math.abs(i - slot) < Math.abs(best - slot) ? i : best));
      this.sink.copySlot(from, slot);
      this.slots[slot] = this.slots[from]!;
      this.slotTimes[slot] = this.slotTimes[from]!;
    });
  }
}

function frameSeconds(session: Session, frame: Frame): number {
  const t = session.seconds(frame.bestEffortTimestamp);
  return Number.isNaN(t) ? session.seconds(frame.pts) : t;
}

function sampleUniform(session: Session, targets: number[], averageFps: number): void {
  const picker = new NearestPicker<Candidate<Frame>>(targets);
  const window = candidateWindowSeconds(averageFps);
  let held: Candidate<Frame> | undefined;
  let serial = 0;
  let positionSeconds = Number.NEGATIVE_INFINITY;
  let mayMeasure = true;
  const release = () => {
    if (held && held !== picker.held) held.value.free();
    held = picker.held;
  };
  const offer = (frame: Frame) => {
    const t = frameSeconds(session, frame);
    const candidate = { value: frame, serial: serial++, timeSeconds: t };
    positionSeconds = Math.max(positionSeconds, t);
    session.place(picker.offer(t, candidate), (c) => c.value);
    if (picker.held !== candidate) frame.free();
    release();
    mayMeasure = true;
  };
  const drain = () => {
    for (let frame = session.decoder.receive(); frame; frame = session.decoder.receive()) offer(frame);
  };
  try {
    while (!picker.done) {
      // Only from a known position (after a frame came out), so one seek is never followed by another.
      if (
        mayMeasure &&
        Number.isFinite(positionSeconds) &&
        session.maybeSeek(positionSeconds, picker.nextTargetSeconds)
      ) {
        picker.forget();
        release();
        mayMeasure = false;
      }
      if (!session.readVideoPacket()) break;
      session.decoder.skipNonReference(!nearAnyTarget(session.packetSeconds(), targets, window));
      session.decoder.send(session.packet);
      drain();
    }
    if (!picker.done) {
      session.decoder.send(null);
      drain();
      session.place(picker.finish(), (c) => c.value);
    }
  } finally {
    held?.value.free();
    if (picker.held && picker.held !== held) picker.held.value.free();
  }
}

function sampleKeyframes(session: Session, targets: number[]): void {
  const picker = new NearestPicker<Candidate<Packet>>(targets);
  let serial = 0;
  let positionSeconds = Number.NEGATIVE_INFINITY;
  // Keyframe packets still needed: the one the picker holds, and picked ones not yet sent.
  const live = new Set<Candidate<Packet>>();
  // Sent to the decoder, picture not out yet: the slots waiting for it. Keyframes go in one after
  // another without a flush between them (a flush per keyframe cost more than the decoding), so a
  // codec with reordering delay hands pictures back later; they are matched by timestamp.
  const waiting = new Map<Candidate<Packet>, number[]>();
  const byPts = new Map<bigint, Candidate<Packet>>();
  const sent: Candidate<Packet>[] = [];
  const receive = () => {
    for (let frame = session.decoder.receive(); frame; frame = session.decoder.receive()) {
      try {
        const match = byPts.get(frame.pts) ?? sent.find((c) => waiting.has(c));
        const slots = match && waiting.get(match);
        if (!match || !slots) continue;
        waiting.delete(match);
        byPts.delete(frame.pts);
        session.fill(match, slots, frame);
      } finally {
        frame.free();
      }
    }
  };
  const drain = () => {
    if (waiting.size === 0) return;
    session.decoder.send(null);
    receive();
    session.decoder.reset();
  };
  const place = (picks: Pick<Candidate<Packet>>[]) => {
    for (const { slot, item } of picks) {
      const pending = waiting.get(item);
      if (item.slot !== undefined || pending) {
        if (pending) pending.push(slot);
        else session.fill(item, [slot]);
        continue;
      }
      waiting.set(item, [slot]);
      byPts.set(item.value.pts, item);
      sent.push(item);
      session.decoder.send(item.value);
      receive();
    }
  };
  const dropUnneeded = () => {
    for (const c of live) {
      if (c !== picker.held && (c.slot !== undefined || waiting.has(c) || !sent.includes(c))) {
        c.value.free();
        live.delete(c);
      }
    }
  };
  try {
    while (!picker.done) {
      if (
        Number.isFinite(positionSeconds) &&
        session.maybeSeek(positionSeconds, picker.nextTargetSeconds, drain)
      ) {
        picker.forget();
        dropUnneeded();
        positionSeconds = Number.NEGATIVE_INFINITY;
      }
      if (!session.readVideoPacket()) break;
      positionSeconds = Math.max(positionSeconds, session.packetSeconds());
      if (!session.packet.isKeyframe) continue;
      const copy = session.packet.clone();
      if (!copy) throw new IngestError('DecodeFailed', 'out of memory copying a keyframe');
      const candidate = { value: copy, serial: serial++, timeSeconds: session.packetSeconds() };
      live.add(candidate);
      place(picker.offer(candidate.timeSeconds, candidate));
      dropUnneeded();
    }
    place(picker.finish());
    drain();
  } finally {
    for (const c of live) c.value.free();
  }
}

/** Samples `job.frames` RGB24 frames of `job.width`×`job.height` from the video at `job.path`. */
export function decodeVideo(job: DecodeJob, nowMs: () => number = () => performance.now()): DecodeOutput {
  const startMs = nowMs();
  const input = openInput(job.path, job);
  const { facts, stream } = input;
  let decoder: VideoDecoder | undefined;
  let sink: RgbSink | undefined;
  let session: Session | undefined;
  try {
    decoder = new VideoDecoder(stream, {
      ...job,
      keyframesOnly: job.mode === 'keyframes',
      skipLoopFilter: skipsLoopFilter(job.mode, facts, job),
    });
    sink = new RgbSink({
      ...job,
      rotationDegrees: facts.rotationDegrees,
      sourceWidth: facts.width,
      sourceHeight: facts.height,
    });
    session = new Session(job, input, { decoder, sink }, startMs + job.timeoutMs, nowMs);
    const targets = sampleTimesSeconds(facts.startSeconds, facts.durationSeconds, job.frames);
    if (job.mode === 'keyframes') sampleKeyframes(session, targets);
    else sampleUniform(session, targets, facts.averageFps);
    session.fillGaps();
    const used = session.slots.filter((s) => s >= 0);
    if (used.length === 0) throw new IngestError('DecodeFailed', 'no frame could be decoded');
    return {
      data: sink.data,
      facts,
      decodedFrames: new Set(used).size,
      repeatedFrames: repeatedSlots(session.slots),
      frameTimesSeconds: session.slotTimes.map((t) => Math.round((t - facts.startSeconds) * 1e6) / 1e6),
      codecFrames: decoder.frames,
      decodedBytes: decoder.decodedBytes,
      seeks: session.seeks,
    };
  } finally {
    session?.packet.free();
    sink?.close();
    decoder?.close();
    input.format.closeInputSync();
  }
}

/** FFmpeg logs nothing of its own: failures reach the caller as IngestErrors with their reason. */
export function quietLibav(): void {
  Log.setLevel(AV_LOG_QUIET);
}
