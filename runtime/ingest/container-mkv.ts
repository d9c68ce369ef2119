// Matroska/WebM (EBML, RFC 8794 / RFC 9559) header → the facts ingest needs, without ffprobe.
// Walks the Segment's top-level elements up to the first Cluster (reading only element headers
// past the cached head), following the SeekHead for Info/Tracks/Tags written after the clusters:
// Info (TimecodeScale × Duration: ffprobe's format duration), Tracks (TrackType 1 video / 2 audio,
// CodecID, PixelWidth/Height, DefaultDuration → rate), and the first cluster's blocks (where the
// video starts relative to the file). Returns undefined for what it does not fully understand (no Duration, as in live
// recordings; a Projection or a `rotate` tag; unknown codecs): the caller then asks ffprobe.
import type { ByteSource } from './byte-source.ts';
import type { ProbeResult } from './probe.ts';

const ids = {
  ebml: 0x1a45dfa3,
  docType: 0x4282,
  segment: 0x18538067,
  seekHead: 0x114d9b74,
  seek: 0x4dbb,
  seekId: 0x53ab,
  seekPosition: 0x53ac,
  info: 0x1549a966,
  timecodeScale: 0x2ad7b1,
  duration: 0x4489,
  tracks: 0x1654ae6b,
  trackEntry: 0xae,
  trackNumber: 0xd7,
  trackType: 0x83,
  codecId: 0x86,
  codecDelay: 0x56aa,
  defaultDuration: 0x23e383,
  video: 0xe0,
  pixelWidth: 0xb0,
  pixelHeight: 0xba,
  projection: 0x7670,
  tags: 0x1254c367,
  tag: 0x7373,
  simpleTag: 0x67c8,
  tagName: 0x45a3,
  cluster: 0x1f43b675,
  timestamp: 0xe7,
  simpleBlock: 0xa3,
  blockGroup: 0xa0,
  block: 0xa1,
};

const codecs: Record<string, string> = {
  V_VP8: 'vp8',
  V_VP9: 'vp9',
  V_AV1: 'av1',
  'V_MPEG4/ISO/AVC': 'h264',
  'V_MPEGH/ISO/HEVC': 'hevc',
  V_THEORA: 'theora',
};

/** Info, Tracks and Tags bodies above this are left to ffprobe. */
const maxElementBytes = 1 << 20;
const maxTopLevelElements = 64;

interface Element {
  id: number;
  /** Start and end of the body; `end` is Infinity for an unknown size. */
  start: number;
  end: number;
}

/** An EBML variable-length integer at `at`: its byte length and value (marker kept for IDs). */
function vint(buf: Buffer, at: number, keepMarker: boolean): { length: number; value: number } {
  const first = buf.readUInt8(at);
  const length = Math.clz32(first) - 23;
  if (length < 1 || length > 8) throw new RangeError('invalid EBML length');
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    const byte = buf.readUInt8(at + i);
    allOnes &&= byte === 0xff;
    value = value * 256 + byte;
  }
  return { length, value: !keepMarker && allOnes ? Number.POSITIVE_INFINITY : value };
}

function header(buf: Buffer, at: number, base: number): Element {
  const id = vint(buf, at, true);
  const size = vint(buf, at + id.length, false);
  const start = base + at + id.length + size.length;
  return { id: id.value, start, end: start + size.value };
}

/** Children of `buf[start, end)`; throws RangeError when one overruns its parent. */
function* elements(buf: Buffer, start: number, end: number): Generator<Element> {
  let at = start;
  while (at < end) {
    const e = header(buf, at, 0);
    if (e.end > end) throw new RangeError(`element ${e.id.toString(16)} overruns its parent`);
    yield e;
    at = e.end;
  }
}

function uint(buf: Buffer, e: Element): number {
  return buf.subarray(e.start, e.end).reduce((n, byte) => n * 256 + byte, 0);
}

function float(buf: Buffer, e: Element): number {
  if (e.end - e.start === 4) return buf.readFloatBE(e.start);
  if (e.end - e.start === 8) return buf.readDoubleBE(e.start);
  return Number.NaN;
}

function text(buf: Buffer, e: Element): string {
  return buf.toString('latin1', e.start, e.end).replace(/\0+$/, '');
}

interface VideoTrack {
  number: number;
  codec: string | undefined;
  width: number;
  height: number;
  fps: number;
  projected: boolean;
}

interface Tracks {
  video?: VideoTrack;
  hasAudio: boolean;
  /** CodecDelay per track number in ns: ffmpeg moves those tracks' timestamps back by it. */
  delaysNs: Map<number, number>;
  count: number;
}

function parseTracks(buf: Buffer): Tracks {
  let video: VideoTrack | undefined;
  let hasAudio = false;
  const delaysNs = new Map<number, number>();
  let count = 0;
  for (const entry of elements(buf, 0, buf.length)) {
    if (entry.id !== ids.trackEntry) continue;
    const t: VideoTrack & { type: number } = {
      type: 0,
      number: 0,
      codec: undefined,
      width: 0,
      height: 0,
      fps: Number.NaN,
      projected: false,
    };
    for (const e of elements(buf, entry.start, entry.end)) {
      if (e.id === ids.trackType) t.type = uint(buf, e);
      else if (e.id === ids.trackNumber) t.number = uint(buf, e);
      else if (e.id === ids.codecId) t.codec = codecs[text(buf, e)];
      else if (e.id === ids.defaultDuration) t.fps = 1e9 / uint(buf, e);
      else if (e.id === ids.codecDelay) delaysNs.set(t.number, uint(buf, e));
      else if (e.id === ids.video) {
        for (const v of elements(buf, e.start, e.end)) {
          if (v.id === ids.pixelWidth) t.width = uint(buf, v);
          else if (v.id === ids.pixelHeight) t.height = uint(buf, v);
          else if (v.id === ids.projection) t.projected = true;
        }
      }
    }
    count++;
    if (t.type === 1 && !video) video = t;
    if (t.type === 2) hasAudio = true;
  }
  return { video, hasAudio, delaysNs, count };
}

function hasRotateTag(buf: Buffer): boolean {
  for (const tag of elements(buf, 0, buf.length)) {
    if (tag.id !== ids.tag) continue;
    for (const simple of elements(buf, tag.start, tag.end)) {
      if (simple.id !== ids.simpleTag) continue;
      for (const e of elements(buf, simple.start, simple.end))
        if (e.id === ids.tagName && text(buf, e).toLowerCase() === 'rotate') return true;
    }
  }
  return false;
}

async function headerAt(source: ByteSource, at: number): Promise<Element> {
  return header(await source.read(at, 16), 0, at);
}

async function body(source: ByteSource, e: Element): Promise<Buffer | undefined> {
  if (e.end - e.start > maxElementBytes) return undefined;
  const data = await source.read(e.start, e.end - e.start);
  return data.length === e.end - e.start ? data : undefined;
}

/**
 * Start of `track` relative to the file's start (ffmpeg shifts timestamps so the earliest stream
 * starts at 0), in TimecodeScale units: the first block of each track in the first cluster,
 * less its CodecDelay; stops once every track has shown a block.
 */
async function relativeStart(
  source: ByteSource,
  cluster: Element,
  track: number,
  tracks: Tracks,
  scaleNs: number,
): Promise<number | undefined> {
  const firsts = new Map<number, number>();
  let clusterTime: number | undefined;
  let at = cluster.start;
  for (let i = 0; i < maxTopLevelElements && at < Math.min(cluster.end, source.size); i++) {
    const e = await headerAt(source, at);
    if (e.id === ids.timestamp && e.end - e.start <= 8) {
      const data = await source.read(e.start, e.end - e.start);
      clusterTime = uint(data, { id: e.id, start: 0, end: data.length });
    }
    let block = e.id === ids.simpleBlock ? e.start : undefined;
    if (e.id === ids.blockGroup) {
      const inner = await headerAt(source, e.start);
      if (inner.id === ids.block) block = inner.start;
    }
    if (block !== undefined && clusterTime !== undefined) {
      const head = await source.read(block, 16);
      const number = vint(head, 0, false);
      // CodecDelay in TimecodeScale units, rounded as ffmpeg's av_rescale_q does.
      const delay = Math.round((tracks.delaysNs.get(number.value) ?? 0) / scaleNs);
      const time = clusterTime + head.readInt16BE(number.length) - delay;
      if (!firsts.has(number.value)) firsts.set(number.value, time);
      if (firsts.size === tracks.count) break;
    }
    at = e.end;
  }
  const start = firsts.get(track);
  return start === undefined ? undefined : start - Math.min(...firsts.values());
}

export async function probeMatroska(source: ByteSource): Promise<ProbeResult | undefined> {
  const ebml = await headerAt(source, 0);
  if (ebml.id !== ids.ebml || ebml.end - ebml.start > 1024) return undefined;
  const ebmlBody = await source.read(ebml.start, ebml.end - ebml.start);
  const docType = [...elements(ebmlBody, 0, ebmlBody.length)].find((e) => e.id === ids.docType);
  if (!docType || !['webm', 'matroska'].includes(text(ebmlBody, docType))) return undefined;
  const segment = await headerAt(source, ebml.end);
  if (segment.id !== ids.segment) return undefined;
  const found = new Map<number, Element>();
  const seekPositions = new Map<number, number>();
  let at = segment.start;
  for (let i = 0; i < maxTopLevelElements && at < Math.min(segment.end, source.size); i++) {
    const e = await headerAt(source, at);
    if (!found.has(e.id)) found.set(e.id, e);
    if (e.id === ids.cluster || !Number.isFinite(e.end)) break;
    if (e.id === ids.seekHead) {
      const data = await body(source, e);
      for (const seek of data ? elements(data, 0, data.length) : []) {
        if (seek.id !== ids.seek) continue;
        const parts = [...elements(data as Buffer, seek.start, seek.end)];
        const id = parts.find((p) => p.id === ids.seekId);
        const position = parts.find((p) => p.id === ids.seekPosition);
        if (id && position) seekPositions.set(uint(data as Buffer, id), uint(data as Buffer, position));
      }
    }
    at = e.end;
  }
  const locate = async (id: number) => {
    const position = seekPositions.get(id);
    const e =
      found.get(id) ??
      (position === undefined ? undefined : await headerAt(source, segment.start + position));
    return e?.id === id ? e : undefined;
  };
  const [info, tracks, tags, cluster] = await Promise.all(
    [ids.info, ids.tracks, ids.tags, ids.cluster].map(locate),
  );
  const infoBody = info && (await body(source, info));
  const tracksBody = tracks && (await body(source, tracks));
  const tagsBody = tags && (await body(source, tags));
  if (!infoBody || !tracksBody || !cluster || (tags && !tagsBody) || (tagsBody && hasRotateTag(tagsBody))) {
    return undefined;
  }
  let scaleNs = 1_000_000;
  let duration = Number.NaN;
  for (const e of elements(infoBody, 0, infoBody.length)) {
    if (e.id === ids.timecodeScale) scaleNs = uint(infoBody, e);
    else if (e.id === ids.duration) duration = float(infoBody, e);
  }
  const parsed = parseTracks(tracksBody);
  const { video, hasAudio } = parsed;
  if (!video?.codec || !video.width || !video.height || video.projected || !(duration > 0)) return undefined;
  const start = await relativeStart(source, cluster, video.number, parsed, scaleNs);
  if (start === undefined) return undefined;
  return {
    durationSeconds: (duration * scaleNs) / 1e9,
    startSeconds: (start * scaleNs) / 1e9,
    width: video.width,
    height: video.height,
    rotationDegrees: 0,
    codec: video.codec,
    formatName: 'matroska,webm',
    averageFps: video.fps,
    hasAudio,
  };
}
