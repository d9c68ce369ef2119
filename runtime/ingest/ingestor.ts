// Ingest: fetch a video (file://, http(s):// or s3://) under size, time and address limits, then
// decode it once, in-process with FFmpeg's libraries in a decode worker thread, into
// `sampling.frames` RGB24 frames (uniformly timed, or the nearest keyframes), store them and
// return the frame ref.
// Downloads and decodes each have their own concurrency limit, so slow servers never hold the
// decode slots (and decoding never starves downloads). Every failure is an IngestError with a
// dead-letter reason; one bad video never affects the next.
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DEFAULT_MAX_DECODED_BYTES_PER_VIDEO,
  DEFAULT_MAX_PIXELS_PER_FRAME,
} from '../../contract/decode-bounds.ts';
import type { ObjectStore } from '../../objectstore/s3-client.ts';
import type { FrameStore } from '../framestore/framestore.ts';
import type { RuntimeMetrics } from '../metrics.ts';
import { createAddressPolicy } from './address.ts';
import { resolutionClass } from './cost-class.ts';
import type { DecodeResult, DecoderKind, ResizeMode, SamplingMode, VideoDecoderPool } from './decode.ts';
import { createDecodePool } from './decode-pool.ts';
import { IngestError } from './errors.ts';
import { openFileVideo } from './fetch-file.ts';
import { fetchHttpToFile } from './fetch-http.ts';
import { fetchS3ToFile } from './fetch-s3.ts';
import { createLimiter } from './limiter.ts';

export interface IngestOptions {
  sampling: { frames: number; width: number; height: number; mode?: SamplingMode };
  /** Lower-case schemes without the colon; `file`, `http`, `https` and `s3` are supported. */
  allowedUriSchemes: string[];
  maxVideoBytes: number;
  allowPrivateNetworks?: boolean;
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  /** Whole download, including redirects. */
  totalFetchTimeoutMs?: number;
  maxRedirects?: number;
  maxDurationSeconds?: number;
  /** Largest coded picture, width × height; larger videos are refused before decoding (FrameTooLarge). */
  maxPixelsPerFrame?: number;
  /** Decoded picture bytes one video may produce (DecodeBudgetExceeded beyond). */
  maxDecodedBytesPerVideo?: number;
  decoder?: DecoderKind;
  downloadConcurrency?: number;
  decodeConcurrency?: number;
  /** Ingests allowed to wait for a slot; more are refused with LimiterFullError (back-pressure). */
  maxPendingIngests?: number;
  /** Gaps between sample times shorter than this are decoded through, never sought over. */
  minSeekGapSeconds?: number;
  decodeThreads?: number;
  decodeTimeoutMs?: number;
  resize?: ResizeMode;
  /** Where downloads are kept while decoding (deleted afterwards). */
  tempDir?: string;
  /** Where file:// sources may be read; undefined = anywhere, [] = nowhere (fetch-file.ts). */
  fileRoots?: string[];
}

export interface IngestDeps {
  frameStore: FrameStore;
  metrics?: Pick<RuntimeMetrics, 'decodeSeconds' | 'decodeCpuSeconds'>;
  /** Milliseconds, for the decode-time metric. */
  clock?: () => number;
  /** DNS lookup, for tests that resolve names to chosen addresses. */
  lookup?: typeof import('node:dns').lookup;
  /** The pipeline's object store, for s3:// URIs (absent: s3:// is refused). */
  objectStore?: ObjectStore;
  /** Decoders to use instead of a pool of the ingestor's own (which close() then stops). */
  decoders?: VideoDecoderPool;
}

export interface IngestRequest {
  videoId: string;
  uri: string;
  /** Stages that will read the frames; each releases the ref once (default 1). */
  consumers?: number;
}

export interface IngestMeta {
  durationSeconds: number;
  sourceWidth: number;
  sourceHeight: number;
  rotationDegrees: number;
  codec: string;
  container: string;
  sourceBytes: number;
  frames: number;
  width: number;
  height: number;
  channels: 3;
  /** Distinct frames decoded; fewer than `frames` when the clip is short or truncated. */
  decodedFrames: number;
  /** Slots filled by repeating a frame (deterministically: the nearest one to their time). */
  repeatedFrames: number;
  samplingMode: SamplingMode;
  /** Per slot, when its frame is shown, in seconds from the video's start (keyframe mode: not the uniform times). */
  frameTimesSeconds: number[];
  resize: ResizeMode;
  /** Frames the codec decoded for this video (the work, including frames no slot took). */
  codecFrames: number;
  /** CPU time of the decode thread, ms. */
  decodeCpuMs: number;
  /** Seeks over gaps between sample times (long videos). */
  seeks: number;
}

export interface IngestResult {
  frameRef: string;
  meta: IngestMeta;
}

export interface Ingestor {
  ingest(request: IngestRequest): Promise<IngestResult>;
  /** Stops the decode workers (when the ingestor owns them). */
  close(): Promise<void>;
}

// Defaults from docs/conventions.md. Decode bounds: a 4K UHD picture, and 16 GiB of decoded
// pictures per video (a 1080p clip decoded through for ~3 minutes; long clips seek instead), which
// keeps a tiny file that decodes to terabytes (a decompression bomb) to seconds of CPU.
export const ingestDefaults = {
  allowPrivateNetworks: false,
  connectTimeoutMs: 5000,
  readTimeoutMs: 30000,
  totalFetchTimeoutMs: 120000,
  maxRedirects: 3,
  maxDurationSeconds: 600,
  maxPixelsPerFrame: DEFAULT_MAX_PIXELS_PER_FRAME,
  maxDecodedBytesPerVideo: DEFAULT_MAX_DECODED_BYTES_PER_VIDEO,
  decoder: 'cpu' as DecoderKind,
  downloadConcurrency: 4,
  decodeConcurrency: 2,
  maxPendingIngests: 64,
  minSeekGapSeconds: 4,
  decodeThreads: 1,
  decodeTimeoutMs: 60000,
  resize: 'stretch' as ResizeMode,
};

const SUPPORTED_SCHEMES = ['file', 'http', 'https', 's3'];

function parseUri(uri: string, allowed: ReadonlySet<string>, objectStore: boolean): URL {
  let url: URL;
  try {
    url = new URL(uri);
  } catch (err) {
    throw new IngestError('InvalidMessage', `not a URI: ${JSON.stringify(uri.slice(0, 200))}`, {
      cause: err,
    });
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!allowed.has(scheme))
    throw new IngestError('SchemeNotAllowed', `scheme ${scheme} is not in allowedUriSchemes`);
  if (!SUPPORTED_SCHEMES.includes(scheme)) {
    throw new IngestError('SchemeNotAllowed', `scheme ${scheme} is not supported by this ingestor`);
  }
  if (scheme === 's3' && !objectStore)
    throw new IngestError('SchemeNotAllowed', 's3:// needs an object store, and this pipeline has none');
  return url;
}

export function createIngestor(options: IngestOptions, deps: IngestDeps): Ingestor {
  // Unset options (undefined, e.g. from a runtime file written before a field existed) keep their defaults.
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o = { ...ingestDefaults, ...(given as IngestOptions) };
  const { frames, width, height } = o.sampling;
  const mode: SamplingMode = o.sampling.mode ?? 'uniform';
  if (![frames, width, height].every((n) => Number.isInteger(n) && n > 0)) {
    throw new RangeError(`invalid sampling ${JSON.stringify(o.sampling)}`);
  }
  const allowed = new Set(o.allowedUriSchemes.map((s) => s.toLowerCase()));
  const addresses = createAddressPolicy({ allowPrivateNetworks: o.allowPrivateNetworks });
  const downloads = createLimiter(o.downloadConcurrency, o.maxPendingIngests);
  const decodes = createLimiter(o.decodeConcurrency, o.maxPendingIngests);
  const decoders = deps.decoders ?? createDecodePool({ workers: o.decodeConcurrency });
  const tempRoot = o.tempDir ?? os.tmpdir();
  const clock = deps.clock ?? Date.now;

  /** `uri` as given: an s3:// key is taken literally (no percent-decoding), as S3 tools do. */
  const fetchToLocal = async (url: URL, workDir: string | undefined, uri: string) => {
    if (url.protocol === 'file:' || !workDir) return openFileVideo(url, o.maxVideoBytes, o.fileRoots);
    const dest = path.join(workDir, 'video');
    const bytes = await downloads.run(async () => {
      await mkdir(workDir, { recursive: true });
      if (url.protocol === 's3:' && deps.objectStore)
        return fetchS3ToFile(uri, dest, {
          store: deps.objectStore,
          maxVideoBytes: o.maxVideoBytes,
          readTimeoutMs: o.readTimeoutMs,
          totalTimeoutMs: o.totalFetchTimeoutMs,
        });
      return fetchHttpToFile(url, dest, {
        maxVideoBytes: o.maxVideoBytes,
        connectTimeoutMs: o.connectTimeoutMs,
        readTimeoutMs: o.readTimeoutMs,
        totalTimeoutMs: o.totalFetchTimeoutMs,
        allowedSchemes: allowed,
        maxRedirects: o.maxRedirects,
        addresses,
        lookup: deps.lookup,
      });
    });
    if (bytes === 0) throw new IngestError('EmptyVideo', 'the server sent an empty body');
    return { path: dest, bytes };
  };

  const decode = (localPath: string): Promise<DecodeResult> =>
    decoders.decode({
      path: localPath,
      frames,
      width,
      height,
      mode,
      resize: o.resize,
      threads: o.decodeThreads,
      decoder: o.decoder,
      maxDurationSeconds: o.maxDurationSeconds,
      maxPixelsPerFrame: o.maxPixelsPerFrame,
      maxDecodedBytes: o.maxDecodedBytesPerVideo,
      timeoutMs: o.decodeTimeoutMs,
      minSeekGapSeconds: o.minSeekGapSeconds,
    });

  const metaOf = (decoded: DecodeResult, sourceBytes: number): IngestMeta => ({
    durationSeconds: decoded.facts.durationSeconds,
    sourceWidth: decoded.facts.width,
    sourceHeight: decoded.facts.height,
    rotationDegrees: decoded.facts.rotationDegrees,
    codec: decoded.facts.codec,
    container: decoded.facts.container,
    sourceBytes,
    frames,
    width,
    height,
    channels: 3,
    decodedFrames: decoded.decodedFrames,
    repeatedFrames: decoded.repeatedFrames,
    samplingMode: mode,
    frameTimesSeconds: decoded.frameTimesSeconds,
    resize: o.resize,
    codecFrames: decoded.codecFrames,
    decodeCpuMs: Math.round(decoded.cpuMs * 10) / 10,
    seeks: decoded.seeks,
  });

  return {
    async ingest(request: IngestRequest): Promise<IngestResult> {
      const startMs = clock();
      const consumers = request.consumers ?? 1;
      if (!Number.isInteger(consumers) || consumers < 1)
        throw new RangeError(`consumers must be >= 1, got ${consumers}`);
      const url = parseUri(request.uri, allowed, deps.objectStore !== undefined);
      // file:// sources are read in place: only downloads get a work directory (to delete after).
      const workDir =
        url.protocol === 'file:'
          ? undefined
          : path.join(tempRoot, `vpo-ingest-${randomBytes(6).toString('hex')}`);
      try {
        const local = await fetchToLocal(url, workDir, request.uri);
        const decoded = await decodes.run(() => decode(local.path));
        const meta = metaOf(decoded, local.bytes);
        const frameRef = await deps.frameStore.put(request.videoId, decoded.data, {
          frames,
          width,
          height,
          channels: 3,
        });
        if (consumers > 1) await deps.frameStore.retain(frameRef, consumers - 1);
        deps.metrics?.decodeSeconds.observe((clock() - startMs) / 1000);
        deps.metrics?.decodeCpuSeconds.observe(
          { codec: meta.codec, resolution: resolutionClass(meta.sourceWidth, meta.sourceHeight), mode },
          decoded.cpuMs / 1000,
        );
        return { frameRef, meta };
      } catch (err) {
        if (err instanceof IngestError) throw err;
        throw new IngestError('DecodeFailed', `ingest of ${request.videoId} failed: ${String(err)}`, {
          cause: err,
        });
      } finally {
        if (workDir) await rm(workDir, { recursive: true, force: true });
      }
    },
    async close() {
      if (!deps.decoders) await decoders.close();
    },
  };
}
