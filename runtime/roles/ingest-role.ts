// The ingest role as it runs in a pod: consumes the source topic, downloads and decodes each video
// once, stores the frames in the shared frame store, publishes the frame reference to the entry
// stages' topics; POST /v1/videos puts a video on the source topic as `{videoId, uri}`, the form
// users produce there (docs/API.md; DESIGN.md "The runtime").
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RuntimeFile } from '../../contract/runtime-file.ts';
import { startExecutor } from '../executor/executor.ts';
import type { VideoIngestor } from '../executor/ports.ts';
import { createIngestor, ingestDefaults } from '../ingest/ingestor.ts';
import { ingestOptionsFromConfig } from '../ingest/options-from-config.ts';
import {
  connectTransport,
  openFrameStore,
  openObjectStore,
  type RoleDeps,
  type RoleListen,
  type RunningRole,
  serveApi,
  serveOps,
} from './role-parts.ts';

export async function startIngestRole(
  file: RuntimeFile,
  listen: RoleListen,
  deps: RoleDeps,
): Promise<RunningRole> {
  const config = file.runtime;
  const objectStore = openObjectStore(file, deps);
  const frameStore = await openFrameStore(file, deps, objectStore);
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'vpo-ingest-'));
  const decodeConcurrency = Math.max(
    1,
    Math.min(config.source.downloadConcurrency, os.availableParallelism()),
  );
  const ingestor = createIngestor(ingestOptionsFromConfig(config, tempDir, decodeConcurrency), {
    frameStore,
    metrics: deps.metrics,
    clock: () => deps.clock.nowMs(),
    ...(objectStore ? { objectStore } : {}),
  });
  const videoIngestor: VideoIngestor = {
    ingest: async (request) => {
      const { frameRef, meta } = await ingestor.ingest(request);
      return { frameRef, meta: { ...meta } };
    },
  };
  // One video may take its whole fetch and decode time (and a retry): only a consumer stuck past
  // that twice over is stalled, not one waiting on a slow server.
  const stalledAfterMs = 2 * (ingestDefaults.totalFetchTimeoutMs + ingestDefaults.decodeTimeoutMs);
  const transport = await connectTransport(file, deps, false, undefined, stalledAfterMs);
  const frames = {
    retain: (ref: string, count: number) => frameStore.retain(ref, count),
    release: (ref: string) => frameStore.release(ref),
  };
  const ctx = { config, transport, frames, clock: deps.clock, logger: deps.logger, metrics: deps.metrics };
  const executor = await startExecutor(ctx, { ingestor: videoIngestor, workers: {} });
  const sweep = setInterval(
    () =>
      frameStore.sweep(deps.clock.nowMs()).catch((e: Error) => deps.logger.warn(`frame sweep: ${e.message}`)),
    60_000,
  );
  const fileRoots = config.source.fileRoots ?? [];
  const videos = {
    // file:// only where a root is configured (local runs); never for a cluster's callers.
    allowedUriSchemes: config.source.allowedUriSchemes.filter((s) => s !== 'file' || fileRoots.length > 0),
    clientVideoIds: config.source.clientVideoIds ?? false,
    newVideoId: () => randomUUID(),
    // The same form users produce to the source topic (docs/API.md): one format there.
    submit: (video: { videoId: string; uri: string }) =>
      transport.publishVideos(config.topics.source, [{ videoId: video.videoId, uri: video.uri }]),
  };
  const http = await serveOps(
    listen,
    deps,
    // The ingest loads no model; it is ready while the transport can deliver.
    () => ({ modelsLoaded: true, transportConnected: transport.connected() }),
  );
  const api = config.source.httpEnabled ? await serveApi(listen, deps, videos) : undefined;
  return {
    url: http.url,
    ...(api ? { apiUrl: api.url } : {}),
    transport,
    async close() {
      clearInterval(sweep);
      await api?.app.close();
      await http.app.close();
      await executor.stop();
      await ingestor.close();
      await transport.close();
      objectStore?.close();
      await rm(tempDir, { recursive: true, force: true });
    },
  };
}
