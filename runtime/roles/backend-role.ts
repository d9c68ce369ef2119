// The backend role as it runs in a pod: hosts the sessions of some stages (`--stages`, or the
// planned backend group `--backend`, or every stage), consumes their topics through Kafka, runs
// batched inference, and publishes onward, to the output topic for a sink (DESIGN.md "Parts").
import os from 'node:os';
import type { RuntimeConfig } from '../../contract/runtime-config.ts';
import type { RuntimeFile } from '../../contract/runtime-file.ts';
import { createStageWorkers } from '../backend/stage-workers.ts';
import { startExecutor } from '../executor/executor.ts';
import { createPreprocessPool } from '../preprocess/worker-pool.ts';
import type { Transport } from '../transport/transport.ts';
import { BackendPlan, type PlanSource } from './backend-plan.ts';
import {
  connectTransport,
  openFrameStore,
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

/**
 * The config this process's stage workers see: only its stages, one backend hosting them — its
 * planned group (batch caps, duty cycle, rates) with `--backend`, else an unplanned one (the
 * stages' batch sizes, plain round robin, no planned rate).
 */
export function hostedConfig(config: RuntimeConfig, stages: string[], backend?: string): RuntimeConfig {
  const hosted = config.stages.filter((s) => stages.includes(s.name));
  const planned = backend === undefined ? undefined : config.backends.find((b) => b.name === backend);
  return {
    ...config,
    stages: hosted,
    backends: [
      planned ?? {
        name: 'local',
        gpuProduct: 'local',
        replicas: 1,
        dutyCycleMicros: 0,
        occupancy: 0,
        planGeneration: Math.max(0, ...config.backends.map((b) => b.planGeneration ?? 0)),
        sessions: hosted.map((s) => ({
          stage: s.name,
          session: s.session,
          batchSize: s.batchSize,
          rateVps: 0,
        })),
      },
    ],
  };
}

type BackendDeps = RoleDeps & {
  modelRoot?: string;
  joinSweepMs?: number;
  emulateDeviceLatency?: boolean;
  /** The mounted runtime file to follow for live re-plans (runtime/plan/). */
  planSource?: PlanSource;
};

/** This pod's stages, how its config is cut from a runtime file, and the plan it follows. */
interface Hosting {
  stages: string[];
  hosted(config: RuntimeConfig): RuntimeConfig;
  plan: BackendPlan;
}

export async function startBackendRole(
  file: RuntimeFile,
  selection: BackendSelection,
  listen: RoleListen,
  deps: BackendDeps,
): Promise<RunningRole> {
  const config = file.runtime;
  const stages = hostedStages(config, selection);
  const backend = selection.stages?.length ? undefined : selection.backend;
  const hosted = (c: RuntimeConfig) => hostedConfig(c, stages, backend);
  const plan = new BackendPlan(file, {
    backend,
    hosted,
    podId: deps.clientId,
    metrics: deps.metrics,
    logger: deps.logger,
  });
  // Served from the start, so liveness holds while models load; ready once they have loaded and
  // while the transport can deliver.
  const state: { modelsLoaded: boolean; transport?: Transport } = { modelsLoaded: false };
  const http = await serveOps(listen, deps, () => ({
    modelsLoaded: state.modelsLoaded,
    transportConnected: state.transport?.connected() ?? false,
  }));
  try {
    return await startServing(file, config, { stages, hosted, plan }, deps, state, http);
  } catch (error) {
    plan.close();
    await http.app.close();
    throw error;
  }
}

async function startServing(
  file: RuntimeFile,
  config: RuntimeConfig,
  { stages, hosted, plan }: Hosting,
  deps: BackendDeps,
  state: { modelsLoaded: boolean; transport?: Transport },
  http: { app: { close(): Promise<void> }; url: string },
): Promise<RunningRole> {
  const frameStore = await openFrameStore(file, deps);
  const preprocess = createPreprocessPool({ threads: Math.max(1, os.availableParallelism() - 1) });
  const modelRoot = deps.modelRoot ?? file.modelRoot;
  // A model that cannot load ends the process: the pool's threads must not keep it alive.
  const stageWorkers = await createStageWorkers({
    config: hosted(config),
    frameStore,
    preprocess,
    clock: deps.clock,
    metrics: deps.metrics,
    ...(modelRoot ? { modelRoot } : {}),
    maxBackends: 1,
    ...(deps.emulateDeviceLatency ? { emulateDeviceLatency: true } : {}),
  }).catch(async (error: unknown) => {
    await preprocess.close();
    throw error;
  });
  state.modelsLoaded = true;
  const sink = config.stages.some((s) => stages.includes(s.name) && s.downstream.length === 0);
  const transport = await connectTransport(file, deps, sink, (topic) => plan.declare(topic)).catch(
    async (error: unknown) => {
      await stageWorkers.close();
      await preprocess.close();
      throw error;
    },
  );
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
  if (deps.planSource) {
    plan.follow(deps.planSource, async (next) => {
      const mine = hosted(next.runtime);
      stageWorkers.retune(mine);
      executor.retune(next.runtime);
      for (const stage of mine.stages) transport.setMaxBatch(stage.topic, stage.batchSize);
      await transport.redeclare();
    });
  }
  return {
    url: http.url,
    transport,
    async close() {
      plan.close();
      clearInterval(sweep);
      await http.app.close();
      await executor.stop();
      await transport.close();
      await stageWorkers.close();
      await preprocess.close();
    },
  };
}
