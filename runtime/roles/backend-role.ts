// The backend role as it runs in a pod: hosts the sessions of some stages (`--stages`, or the
// planned backend group `--backend`, or every stage), consumes their topics through Kafka, runs
// batched inference, and publishes onward, to the output topic for a sink (DESIGN.md "Parts").
import os from 'node:os';
import path from 'node:path';
import type { RuntimeConfig } from '../../contract/runtime-config.ts';
import type { RuntimeFile } from '../../contract/runtime-file.ts';
import { createStageWorkers } from '../backend/stage-workers.ts';
import { startExecutor } from '../executor/executor.ts';
import { createModelSource } from '../inference/model-source.ts';
import { createPreprocessPool } from '../preprocess/worker-pool.ts';
import type { Transport } from '../transport/transport.ts';
import {
  connectTransport,
  openFrameStore,
  openObjectStore,
  type RoleDeps,
  type RoleListen,
  type RunningRole,
  serveOps,
} from './role-parts.ts';

export interface BackendSelection {
  stages?: string[];
  backend?: string;
}

/** The stages this backend hosts; throws naming an unknown stage or backend. */
export function hostedStages(config: RuntimeConfig, selection: BackendSelection): string[] {
  const known = config.stages.map((s) => s.name);
  if (selection.stages?.length) {
    const unknown = selection.stages.filter((s) => !known.includes(s));
    if (unknown.length > 0)
      throw new Error(`unknown stage(s) ${unknown.join(', ')} (stages: ${known.join(', ')})`);
    return selection.stages;
  }
  if (selection.backend) {
    const group = config.backends.find((b) => b.name === selection.backend);
    if (!group) throw new Error(`no planned backend ${selection.backend}`);
    return group.sessions.map((s) => s.stage);
  }
  return known;
}

/** The config this process's stage workers see: only its stages, one backend hosting them. */
function hostedConfig(config: RuntimeConfig, stages: string[]): RuntimeConfig {
  const hosted = config.stages.filter((s) => stages.includes(s.name));
  return {
    ...config,
    stages: hosted,
    backends: [
      {
        name: 'local',
        gpuProduct: 'local',
        replicas: 1,
        dutyCycleMicros: 0,
        sessions: hosted.map((s) => ({ stage: s.name, session: s.session, batchSize: s.batchSize })),
      },
    ],
  };
}

type BackendDeps = RoleDeps & {
  modelRoot?: string;
  /** Where s3:// and http(s):// models are fetched to (once per pod); default a temp folder. */
  modelCacheDir?: string;
  /** Where the claims of pvc:// models are mounted, one folder per claim. */
  modelClaimsDir?: string;
  joinSweepMs?: number;
  emulateDeviceLatency?: boolean;
};

export async function startBackendRole(
  file: RuntimeFile,
  selection: BackendSelection,
  listen: RoleListen,
  deps: BackendDeps,
): Promise<RunningRole> {
  const config = file.runtime;
  const stages = hostedStages(config, selection);
  // Served from the start, so liveness holds while models load; ready once they have loaded and
  // while the transport can deliver.
  const state: { modelsLoaded: boolean; transport?: Transport } = { modelsLoaded: false };
  const http = await serveOps(listen, deps, () => ({
    modelsLoaded: state.modelsLoaded,
    transportConnected: state.transport?.connected() ?? false,
  }));
  try {
    return await startServing(file, config, stages, deps, state, http);
  } catch (error) {
    await http.app.close();
    throw error;
  }
}

async function startServing(
  file: RuntimeFile,
  config: RuntimeConfig,
  stages: string[],
  deps: BackendDeps,
  state: { modelsLoaded: boolean; transport?: Transport },
  http: { app: { close(): Promise<void> }; url: string },
): Promise<RunningRole> {
  const objectStore = openObjectStore(file, deps);
  const frameStore = await openFrameStore(file, deps, objectStore);
  const preprocess = createPreprocessPool({ threads: Math.max(1, os.availableParallelism() - 1) });
  const modelRoot = deps.modelRoot ?? file.modelRoot;
  const resolveModel = createModelSource({
    ...(modelRoot ? { modelRoot } : {}),
    cacheDir: deps.modelCacheDir ?? path.join(os.tmpdir(), 'vpo-models'),
    ...(deps.modelClaimsDir ? { claimsDir: deps.modelClaimsDir } : {}),
    ...(objectStore ? { objectStore } : {}),
  });
  // A model that cannot load ends the process: the pool's threads must not keep it alive.
  const stageWorkers = await createStageWorkers({
    config: hostedConfig(config, stages),
    frameStore,
    preprocess,
    clock: deps.clock,
    metrics: deps.metrics,
    ...(modelRoot ? { modelRoot } : {}),
    resolveModel,
    maxBackends: 1,
    ...(deps.emulateDeviceLatency ? { emulateDeviceLatency: true } : {}),
  }).catch(async (error: unknown) => {
    await preprocess.close();
    objectStore?.close();
    throw error;
  });
  state.modelsLoaded = true;
  const sink = config.stages.some((s) => stages.includes(s.name) && s.downstream.length === 0);
  const transport = await connectTransport(file, deps, sink).catch(async (error: unknown) => {
    await stageWorkers.close();
    await preprocess.close();
    throw error;
  });
  state.transport = transport;
  const frames = {
    retain: (ref: string, count: number) => frameStore.retain(ref, count),
    release: (ref: string) => frameStore.release(ref),
  };
  const ctx = { config, transport, frames, clock: deps.clock, logger: deps.logger, metrics: deps.metrics };
  const executor = await startExecutor(ctx, {
    workers: stageWorkers.workers,
    consumersPerStage: file.kafka.settings.consumersPerStage,
  });
  const sweep = setInterval(() => {
    executor
      .expireJoins(deps.clock.nowMs())
      .catch((e: Error) => deps.logger.error(`join sweep: ${e.message}`));
  }, deps.joinSweepMs ?? 1000);
  return {
    url: http.url,
    transport,
    async close() {
      clearInterval(sweep);
      await http.app.close();
      await executor.stop();
      await transport.close();
      await stageWorkers.close();
      await preprocess.close();
      objectStore?.close();
    },
  };
}
