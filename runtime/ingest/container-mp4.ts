// MP4/MOV (ISO BMFF, ISO/IEC 14496-12) header → the facts ingest needs, without ffprobe. Reads
// the top-level box headers (16 bytes each) until `moov`, which may follow `mdat` at the end of the
// file, then only `moov`: `mvhd` (movie timescale and duration, what ffprobe reports as the format
// duration), and per `trak` `tkhd` (display matrix → rotation), `elst` (start), `mdia/mdhd`
// (media timescale), `hdlr` (vide/soun), `stsd` (codec, coded size), `stts` (average rate).
// Returns undefined for anything it does not fully understand (fragmented files, compressed or
// oversized `moov`, several edits, unknown codecs): the caller then asks ffprobe.
import type { ByteSource } from './byte-source.ts';
import type { ProbeResult } from './probe.ts';

/** Bigger `moov` boxes (hours of samples) are left to ffprobe rather than read into memory. */
const maxMoovBytes = 32 << 20;
const maxTopLevelBoxes = 256;
const formatName = 'mov,mp4,m4a,3gp,3g2,mj2';

// ffprobe's codec names for the sample-entry types seen in practice.
const codecs: Record<string, string> = {
  avc1: 'h264',
  avc3: 'h264',
  hvc1: 'hevc',
  hev1: 'hevc',
  vp09: 'vp9',
  av01: 'av1',
  mp4v: 'mpeg4',
};

interface Box {
  type: string;
  /** Start and end of the box body (after the size/type header). */
  start: number;
  end: number;
}

/** Child boxes of `buf[start, end)`; throws RangeError on a size that does not fit. */
function* boxes(buf: Buffer, start: number, end: number): Generator<Box> {
  let at = start;
  while (at + 8 <= end) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    let header = 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) size = end - at;
    if (size < header || at + size > end) throw new RangeError(`box ${type} overruns its parent`);
    yield { type, start: at + header, end: at + size };
    at += size;
  }
}

function child(buf: Buffer, parent: Box, type: string): Box | undefined {
  for (const box of boxes(buf, parent.start, parent.end)) if (box.type === type) return box;
  return undefined;
}

/** Reads a version-dependent field: 32-bit in version 0, 64-bit in version 1. */
function wide(buf: Buffer, at: number, version: number): number {
  return version === 1 ? Number(buf.readBigUInt64BE(at)) : buf.readUInt32BE(at);
}

/** Display rotation the way ffmpeg's av_display_rotation_get reads the tkhd matrix, in [0, 360). */
function rotationOf(buf: Buffer, tkhd: Box): number {
  const version = buf.readUInt8(tkhd.start);
  const matrix = tkhd.start + (version === 1 ? 52 : 40);
  const a = buf.readInt32BE(matrix) / 65536;
  const b = buf.readInt32BE(matrix + 4) / 65536;
  const degrees = Math.round((-Math.atan2(b, a) * 180) / Math.PI);
  return ((degrees % 360) + 360) % 360;
}

/**
 * Presentation start of the track in seconds, or undefined when the edit list is more than
 * "optionally an empty edit, then the media from some point at normal rate" (ffmpeg then shifts
 * timestamps in ways not worth re-deriving here).
 */
function startOf(buf: Buffer, trak: Box, stbl: Box, movieTimescale: number): number | undefined {
  const edts = child(buf, trak, 'edts');
  const elst = edts && child(buf, edts, 'elst');
  // No edit list: the first sample's presentation time, 0 unless composition offsets shift it.
  if (!elst) return child(buf, stbl, 'ctts') ? undefined : 0;
  const version = buf.readUInt8(elst.start);
  const count = buf.readUInt32BE(elst.start + 4);
  const entryBytes = version === 1 ? 20 : 12;
  let emptySeconds = 0;
  for (let i = 0; i < count; i++) {
    const at = elst.start + 8 + i * entryBytes;
    const segment = wide(buf, at, version);
    const mediaTime = version === 1 ? Number(buf.readBigInt64BE(at + 8)) : buf.readInt32BE(at + 4);
    if (mediaTime === -1 && i === 0) emptySeconds = segment / movieTimescale;
    else if (i === count - 1 && mediaTime >= 0 && buf.readInt16BE(at + entryBytes - 4) === 1)
      return emptySeconds;
    else return undefined;
  }
  return undefined;
}

interface Track {
  handler: string;
  trak: Box;
  mdia: Box;
}

function tracks(buf: Buffer, moov: Box): Track[] {
  const found: Track[] = [];
  for (const trak of boxes(buf, moov.start, moov.end)) {
    if (trak.type !== 'trak') continue;
    const mdia = child(buf, trak, 'mdia');
    const hdlr = mdia && child(buf, mdia, 'hdlr');
    if (mdia && hdlr)
      found.push({ handler: buf.toString('latin1', hdlr.start + 8, hdlr.start + 12), trak, mdia });
  }
  return found;
}

/** Parses a `moov` box body; undefined when it does not describe a plain video track. */
export function parseMoov(buf: Buffer): ProbeResult | undefined {
  const moov: Box = { type: 'moov', start: 0, end: buf.length };
  const mvhd = child(buf, moov, 'mvhd');
  if (!mvhd) return undefined;
  const mvhdVersion = buf.readUInt8(mvhd.start);
  const movieTimescale = buf.readUInt32BE(mvhd.start + (mvhdVersion === 1 ? 20 : 12));
  const movieDuration = wide(buf, mvhd.start + (mvhdVersion === 1 ? 24 : 16), mvhdVersion);
  // 0 (fragmented: the duration is in mehd/moof) and all-ones (unknown) are left to ffprobe.
  if (!(movieTimescale > 0) || movieDuration === 0 || movieDuration === 0xffffffff) return undefined;
  const all = tracks(buf, moov);
  const video = all.find((t) => t.handler === 'vide');
  if (!video) return undefined;
  const tkhd = child(buf, video.trak, 'tkhd');
  const mdhd = child(buf, video.mdia, 'mdhd');
  const minf = child(buf, video.mdia, 'minf');
  const stbl = minf && child(buf, minf, 'stbl');
  const stsd = stbl && child(buf, stbl, 'stsd');
  const stts = stbl && child(buf, stbl, 'stts');
  if (!tkhd || !mdhd || !stbl || !stsd || !stts) return undefined;
  // First sample entry: size(4) type(4) reserved(6) index(2) pre-defined/reserved(16) width(2) height(2).
  const entry = stsd.start + 8;
  const codec = codecs[buf.toString('latin1', entry + 4, entry + 8)];
  const width = buf.readUInt16BE(entry + 32);
  const height = buf.readUInt16BE(entry + 34);
  // ffmpeg shifts timestamps so the earliest track starts at 0: the video's start relative to it.
  const starts = all.map((t) => {
    const tStbl = child(buf, t.mdia, 'minf');
    const sampleTable = tStbl && child(buf, tStbl, 'stbl');
    return sampleTable && startOf(buf, t.trak, sampleTable, movieTimescale);
  });
  const videoStart = starts[all.indexOf(video)];
  if (!codec || !width || !height || videoStart === undefined || starts.includes(undefined)) return undefined;
  const startSeconds = videoStart - Math.min(...(starts as number[]));
  const mdhdVersion = buf.readUInt8(mdhd.start);
  const mediaTimescale = buf.readUInt32BE(mdhd.start + (mdhdVersion === 1 ? 20 : 12));
  // ffmpeg's avg_frame_rate: samples over the sum of their durations (stts), not the edit length.
  let samples = 0;
  let ticks = 0;
  const runs = buf.readUInt32BE(stts.start + 4);
  for (let i = 0; i < runs; i++) {
    const count = buf.readUInt32BE(stts.start + 8 + i * 8);
    samples += count;
    ticks += count * buf.readUInt32BE(stts.start + 12 + i * 8);
  }
  return {
    durationSeconds: movieDuration / movieTimescale,
    startSeconds,
    width,
    height,
    rotationDegrees: rotationOf(buf, tkhd),
    codec,
    formatName,
    averageFps: ticks > 0 && mediaTimescale > 0 ? (samples * mediaTimescale) / ticks : Number.NaN,
    hasAudio: all.some((t) => t.handler === 'soun'),
  };
}

/** Finds `moov` among the top-level boxes (the file must start with `ftyp`) and parses it. */
export async function probeMp4(source: ByteSource): Promise<ProbeResult | undefined> {
  let at = 0;
  for (let i = 0; i < maxTopLevelBoxes && at + 8 <= source.size; i++) {
    const head = await source.read(at, 16);
    if (head.length < 8) return undefined;
    const type = head.toString('latin1', 4, 8);
    if (i === 0 && type !== 'ftyp') return undefined;
    let size = head.readUInt32BE(0);
    let header = 8;
    if (size === 1) {
      if (head.length < 16) return undefined;
      size = Number(head.readBigUInt64BE(8));
      header = 16;
    } else if (size === 0) size = source.size - at;
    if (size < header || at + size > source.size) return undefined;
    if (type === 'moov') {
      if (size > maxMoovBytes) return undefined;
      const body = await source.read(at + header, size - header);
      return body.length === size - header ? parseMoov(body) : undefined;
    }
    at += size;
  }
  return undefined;
}
