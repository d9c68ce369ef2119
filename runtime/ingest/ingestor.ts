// Ingest: fetch a video (file://, http(s):// or s3://) under size, time and address limits, read its
// duration and streams from the container header (ffprobe only when that cannot), decode it
// once with ffmpeg into `sampling.frames` RGB24 frames, store them and return the frame ref.
// Downloads and decodes each have their own concurrency limit, so slow servers never hold the
// decode slots (and decoding never starves downloads). Every failure is an IngestError with a
// dead-letter reason; one bad video never affects the next.
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ObjectStore } from '../../objectstore/s3-client.ts';
import type { FrameStore } from '../framestore/framestore.ts';
import type { RuntimeMetrics } from '../metrics.ts';
import { createAddressPolicy } from './address.ts';
import { probeLocalVideo } from './container.ts';
import type { ResizeMode } from './decode.ts';
import { decodeFrames } from './decode.ts';
import { IngestError } from './errors.ts';
import { openFileVideo } from './fetch-file.ts';
import { fetchHttpToFile } from './fetch-http.ts';
import { fetchS3ToFile } from './fetch-s3.ts';
import { createLimiter } from './limiter.ts';

export interface IngestOptions {
  sampling: { frames: number; width: number; height: number };
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
  downloadConcurrency?: number;
  decodeConcurrency?: number;
  /** Ingests allowed to wait for a slot; more are refused with LimiterFullError (back-pressure). */
  maxPendingIngests?: number;
  /** Clips longer than this are sampled by seeking instead of decoding every frame. */
  seekThresholdSeconds?: number;
  decodeThreads?: number;
  decodeTimeoutMs?: number;
  probeTimeoutMs?: number;
  resize?: ResizeMode;
  /** Where downloads are kept while decoding (deleted afterwards). */
  tempDir?: string;
  /** Where file:// sources may be read; undefined = anywhere, [] = nowhere (fetch-file.ts). */
  fileRoots?: string[];
  ffmpegPath?: string;
  ffprobePath?: string;
}

export interface IngestDeps {
  frameStore: FrameStore;
  metrics?: Pick<RuntimeMetrics, 'decodeSeconds'>;
  /** Milliseconds, for the decode-time metric. */
  clock?: () => number;
  /** DNS lookup, for tests that resolve names to chosen addresses. */
  lookup?: typeof import('node:dns').lookup;
  /** The pipeline's object store, for s3:// URIs (absent: s3:// is refused). */
  objectStore?: ObjectStore;
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
  /** Slots filled by repeating a frame (deterministically: the nearest later, else the last). */
  repeatedFrames: number;
  sampleMethod: 'select' | 'seek';
  resize: ResizeMode;
  /** Where duration and streams came from: the MP4/Matroska header, or ffprobe for the rest. */
  probedBy: 'header' | 'ffprobe';
}

export interface IngestResult {
  frameRef: string;
  meta: IngestMeta;
}

export interface Ingestor {
  ingest(request: IngestRequest): Promise<IngestResult>;
}

// Defaults from docs/conventions.md. Seek threshold: seeking costs about frames × GOP/2 of
// decoding, select the whole clip; bench/decode-efficiency.bench.ts measured them even on a 90 s
// clip with ffmpeg's default 10 s GOP (16 frames), so seeking pays only well beyond that.
const defaults = {
  allowPrivateNetworks: false,
  connectTimeoutMs: 5000,
  readTimeoutMs: 30000,
  totalFetchTimeoutMs: 120000,
  maxRedirects: 3,
  maxDurationSeconds: 600,
  downloadConcurrency: 4,
  decodeConcurrency: 2,
  maxPendingIngests: 64,
  seekThresholdSeconds: 180,
  decodeThreads: 1,
  decodeTimeoutMs: 60000,
  probeTimeoutMs: 10000,
  resize: 'stretch' as ResizeMode,
  ffmpegPath: 'ffmpeg',
  ffprobePath: 'ffprobe',
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
  const o = { ...defaults, ...options };
  const { frames, width, height } = o.sampling;
  if (![frames, width, height].every((n) => Number.isInteger(n) && n > 0)) {
    throw new RangeError(`invalid sampling ${JSON.stringify(o.sampling)}`);
  }
  const allowed = new Set(o.allowedUriSchemes.map((s) => s.toLowerCase()));
  const addresses = createAddressPolicy({ allowPrivateNetworks: o.allowPrivateNetworks });
  const downloads = createLimiter(o.downloadConcurrency, o.maxPendingIngests);
  const decodes = createLimiter(o.decodeConcurrency, o.maxPendingIngests);
  const tempRoot = o.tempDir ?? os.tmpdir();
  const clock = deps.clock ?? Date.now;

  /** `uri` as given: an s3:// key is taken literally (no percent-decoding), as S3 tools do. */
  const fetchToLocal = async (url: URL, workDir: string, uri: string) => {
    if (url.protocol === 'file:') return openFileVideo(url, o.maxVideoBytes, o.fileRoots);
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

  const decode = async (localPath: string, sourceBytes: number) => {
    const probe = await probeLocalVideo(localPath, o.ffprobePath, o.probeTimeoutMs);
    if (!(probe.durationSeconds > 0))
      throw new IngestError('DecodeFailed', 'the video has no known duration');
    if (probe.durationSeconds > o.maxDurationSeconds) {
      throw new IngestError(
        'TooLong',
        `duration ${probe.durationSeconds} s > maxDurationSeconds ${o.maxDurationSeconds}`,
      );
    }
    const sampleMethod = probe.durationSeconds > o.seekThresholdSeconds ? 'seek' : 'select';
    const decoded = await decodeFrames({
      path: localPath,
      frames,
      width,
      height,
      startSeconds: probe.startSeconds,
      durationSeconds: probe.durationSeconds,
      averageFps: probe.averageFps,
      method: sampleMethod,
      resize: o.resize,
      threads: o.decodeThreads,
      timeoutMs: o.decodeTimeoutMs,
      ffmpegPath: o.ffmpegPath,
    });
    const meta: IngestMeta = {
      durationSeconds: probe.durationSeconds,
      sourceWidth: probe.width,
      sourceHeight: probe.height,
      rotationDegrees: probe.rotationDegrees,
      codec: probe.codec,
      container: probe.formatName,
      sourceBytes,
      frames,
      width,
      height,
      channels: 3,
      decodedFrames: decoded.decodedFrames,
      repeatedFrames: decoded.repeatedFrames,
      sampleMethod,
      resize: o.resize,
      probedBy: probe.probedBy,
    };
    return { data: decoded.data, meta };
  };

  return {
    async ingest(request: IngestRequest): Promise<IngestResult> {
      const startMs = clock();
      const consumers = request.consumers ?? 1;
      if (!Number.isInteger(consumers) || consumers < 1)
        throw new RangeError(`consumers must be >= 1, got ${consumers}`);
      const url = parseUri(request.uri, allowed, deps.objectStore !== undefined);
      const workDir = path.join(tempRoot, `vpo-ingest-${randomBytes(6).toString('hex')}`);
      try {
        const local = await fetchToLocal(url, workDir, request.uri);
        const { data, meta } = await decodes.run(() => decode(local.path, local.bytes));
        const frameRef = await deps.frameStore.put(request.videoId, data, {
          frames,
          width,
          height,
          channels: 3,
        });
        if (consumers > 1) await deps.frameStore.retain(frameRef, consumers - 1);
        deps.metrics?.decodeSeconds.observe((clock() - startMs) / 1000);
        return { frameRef, meta };
      } catch (err) {
        if (err instanceof IngestError) throw err;
        throw new IngestError('DecodeFailed', `ingest of ${request.videoId} failed: ${String(err)}`, {
          cause: err,
        });
      } finally {
        await rm(workDir, { recursive: true, force: true });
      }
    },
  };
}
