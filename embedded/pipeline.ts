// The embedded mode (DESIGN.md "Embedded mode"): a whole pipeline in one process. The in-process
// transport replaces Kafka, a temporary frame store (removed at close) holds the decoded frames,
// and the same ingestor, backends and executor as the distributed roles do the work.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RuntimeConfig } from '../contract/runtime-config.ts';
import { createStageWorkers } from '../runtime/backend/stage-workers.ts';
import type { Clock } from '../runtime/clock.ts';
import { INGEST_CONSUMERS, startExecutor } from '../runtime/executor/executor.ts';
import type { VideoIngestor } from '../runtime/executor/ports.ts';
import { openFrameStore } from '../runtime/framestore/open.ts';
import { createIngestor } from '../runtime/ingest/ingestor.ts';
import { ingestOptionsFromConfig } from '../runtime/ingest/options-from-config.ts';
import type { Logger } from '../runtime/logger.ts';
import type { RuntimeMetrics } from '../runtime/metrics.ts';
import { createPreprocessPool } from '../runtime/preprocess/worker-pool.ts';
import { InProcTransport } from '../runtime/transport/inproc.ts';
import type { DeadLetter, StageMessage } from '../runtime/transport/transport.ts';
import { probeable, probeParts } from './parts-probe.ts';
import type { PartsProbe } from './prediction.ts';

export interface EmbeddedOptions {
  config: RuntimeConfig;
  modelRoot?: string;
  /** Local devices: caps backends per planned group and sizes the thread pools. */
  devices: number;
  clock: Clock;
  logger: Logger;
  metrics: RuntimeMetrics;
  /** Receives every result (a sink's or a gather's output) and every dead letter, as they happen. */
  onResults(messages: StageMessage[]): Promise<void>;
  onDeadLetters(letters: DeadLetter[]): Promise<void>;
  /** How often join timeouts are checked (default 1000). */
  joinSweepMs?: number;
  /** Measure the parts on this clip (file:// URI) before the run starts (parts-probe.ts). */
  probeUri?: string;
}

export interface EmbeddedPipeline {
  /** Hands a video to the source topic; waits while the topic is full (backpressure). */
  submit(video: { videoId: string; uri: string }): Promise<void>;
  close(): Promise<void>;
  /** The parts measured alone, when `probeUri` was given and the pipeline can be probed. */
  parts?: PartsProbe;
}

/** Items each stage runs in the probe, one at a time. */
const probeItems = 32;

export async function startEmbeddedPipeline(options: EmbeddedOptions): Promise<EmbeddedPipeline> {
  const { config, clock, logger, metrics } = options;
  const root = await mkdtemp(path.join(os.tmpdir(), 'vpo-frames-'));
  const cleanups: (() => Promise<void>)[] = [() => rm(root, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const step of cleanups.reverse())
      await step().catch((e: Error) => logger.warn(`cleanup: ${e.message}`));
  };
  try {
    const frameStore = await openFrameStore({ kind: 'dir', root }, config.frameStore.ttlSeconds, {
      metrics,
      clock: () => clock.nowMs(),
    });
    const ingestor = createIngestor(ingestOptionsFromConfig(config, root, Math.max(1, options.devices)), {
      frameStore,
      metrics,
      clock: () => clock.nowMs(),
    });
    cleanups.push(() => ingestor.close());
    const videoIngestor: VideoIngestor = {
      ingest: async (request) => {
        const { frameRef, meta } = await ingestor.ingest(request);
        return { frameRef, meta: { ...meta } };
      },
    };
    const preprocess = createPreprocessPool({ threads: Math.max(1, options.devices - 1) });
    cleanups.push(() => preprocess.close());
    const stageWorkers = await createStageWorkers({
      config,
      frameStore,
      preprocess,
      clock,
      metrics,
      ...(options.modelRoot ? { modelRoot: options.modelRoot } : {}),
      maxBackends: options.devices,
    });
    cleanups.push(() => stageWorkers.close());
    let parts: PartsProbe | undefined;
    if (options.probeUri && probeable(config)) {
      // As many ingests at once as the executor keeps in flight (two chunks of downloadConcurrency).
      const ingests = INGEST_CONSUMERS * config.source.downloadConcurrency;
      parts = await probeParts({
        config,
        ingestor: videoIngestor,
        workers: stageWorkers.workers,
        frameStore,
        uri: options.probeUri,
        ingests,
        items: probeItems,
      });
    }
    const transport = new InProcTransport({ capacityPerTopic: config.limits.queueCapacity, logger });
    cleanups.push(() => transport.close());
    await transport.subscribe(config.topics.output, 'results', options.onResults, {
      maxBatch: config.limits.queueCapacity,
    });
    transport.subscribeDeadLetters(options.onDeadLetters);
    const frames = {
      retain: (ref: string, count: number) => frameStore.retain(ref, count),
      release: (ref: string) => frameStore.release(ref),
    };
    const ctx = { config, transport, frames, clock, logger, metrics };
    const executor = await startExecutor(ctx, {
      ingestor: videoIngestor,
      workers: stageWorkers.workers,
      gathers: (config.gathers ?? []).map((g) => g.name),
    });
    cleanups.push(() => executor.stop());
    const sweep = setInterval(() => {
      executor.expireJoins(clock.nowMs()).catch((e: Error) => logger.error(`join sweep: ${e.message}`));
    }, options.joinSweepMs ?? 1000);
    sweep.unref();
    cleanups.push(async () => clearInterval(sweep));
    return {
      submit: (video) =>
        transport.publish(config.topics.source, [
          { videoId: video.videoId, source: video.uri, ingestedAtMs: clock.nowMs(), outputs: {} },
        ]),
      close: cleanup,
      ...(parts ? { parts } : {}),
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
