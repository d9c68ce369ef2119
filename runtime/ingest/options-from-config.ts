// The ingestor's options from a pipeline's runtime config: one mapping for the ingest role, the
// embedded pipeline and its decode probe, so they ingest alike.
import type { RuntimeConfig } from '../../contract/runtime-config.ts';
import type { IngestOptions } from './ingestor.ts';

export function ingestOptionsFromConfig(
  config: RuntimeConfig,
  tempDir: string,
  decodeConcurrency: number,
): IngestOptions {
  const { source } = config;
  return {
    sampling: config.sampling,
    allowedUriSchemes: source.allowedUriSchemes,
    maxVideoBytes: source.maxVideoBytes,
    allowPrivateNetworks: source.allowPrivateNetworks,
    connectTimeoutMs: source.connectTimeoutMs,
    readTimeoutMs: source.readTimeoutMs,
    maxDurationSeconds: source.maxDurationSeconds,
    downloadConcurrency: source.downloadConcurrency,
    maxPixelsPerFrame: source.maxPixelsPerFrame,
    maxDecodedBytesPerVideo: source.maxDecodedBytesPerVideo,
    decoder: source.decoder,
    decodeConcurrency,
    tempDir,
    fileRoots: source.fileRoots ?? [],
  };
}
