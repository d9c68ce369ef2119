// The backend role as it runs in a pod: hosts the sessions of some stages (`--stages`, or the
// planned backend group `--backend`, or every stage), consumes their topics through Kafka, runs
// batched inference, and publishes onward, to the output topic for a sink (DESIGN.md "Parts").
// A backend group's runtime file may carry several pipelines of one namespace (a shared group):
// the pod then runs one device backend for all their sessions, and per pipeline its own Kafka
// transport and executor, so each pipeline's stage topics feed its own sessions and its results,
// dead letters and downstream messages go to its own topics (hosted-pipelines.ts).
import os from 'node:os';
import path from 'node:path';
import type { RuntimeConfig } from '../../contract/runtime-config.ts';
import { filePipelines, type RuntimeFile } from '../../contract/runtime-file.ts';
import { createStageWorkers } from '../backend/stage-workers.ts';
import { type DoctorOptions, providerNeeds, requireProviders } from '../doctor/doctor.ts';
import { type RunningExecutor, startExecutor } from '../executor/executor.ts';
import { createModelSource } from '../inference/model-source.ts';
import { createPreprocessPool } from '../preprocess/worker-pool.ts';
import type { KafkaTransport } from '../transport/kafka/kafka-transport.ts';
import { BackendPlan, type PlanSource } from './backend-plan.ts';
import {
  type BackendSelection,
  fileOf,
  type HostedStages,
  hostedConfig,
  hostedStages,
  selectPipelines,
} from './hosted-pipelines.ts';
import {
  connectTransport,
  openFrameStores,
  openObjectStore,
  type RoleDeps,
  type RoleListen,
  type RunningRole,
  serveOps,
} from './role-parts.ts';

export { type BackendSelection, hostedStages } from './hosted-pipelines.ts';

type BackendDeps = RoleDeps & {
  modelRoot?: string;
  /** Where s3:// and http(s):// models are fetched to (once per pod); default a temp folder. */
  modelCacheDir?: string;
  /** Where the claims of pvc:// models are mounted, one folder per claim. */
  modelClaimsDir?: string;
  joinSweepMs?: number;
  emulateDeviceLatency?: boolean;
  /** Stand-ins for the provider check (tests); default: this machine. */
  doctor?: Omit<DoctorOptions, 'providers'>;
  /** The mounted runtime file to follow for live re-plans (runtime/plan/). */
  planSource?: PlanSource;
};

interface ServingState {
  modelsLoaded: boolean;
  transports: KafkaTransport[];
}

/** How this pod cuts its config from a pipeline's, and the plan it follows. */
interface Hosting {
  hosted(config: RuntimeConfig): RuntimeConfig;
  plan: BackendPlan;
}

export async function startBackendRole(
  file: RuntimeFile,
  selection: BackendSelection,
  listen: RoleListen,
  deps: BackendDeps,
): Promise<RunningRole> {
  const pipelines = selectPipelines(file, selection);
  const backend = selection.stages?.length ? undefined : selection.backend;
  const hosted = (c: RuntimeConfig) => hostedConfig(c, hostedStages(c, selection), backend);
  const plan = new BackendPlan(file, {
    backend,
    hosted,
    podId: deps.clientId,
    metrics: deps.metrics,
    logger: deps.logger,
  });
  // Served from the start, so liveness holds while models load; ready once they have loaded and
  // while every hosted pipeline's transport can deliver.
  const state: ServingState = { modelsLoaded: false, transports: [] };
  const http = await serveOps(listen, deps, () => ({
    modelsLoaded: state.modelsLoaded,
    transportConnected:
      state.transports.length === pipelines.length && state.transports.every((t) => t.connected()),
  }));
  try {
    return await startServing(file, pipelines, { hosted, plan }, deps, state, http);
  } catch (error) {
    plan.close();
    await http.app.close();
    throw error;
  }
}

async function startServing(
  file: RuntimeFile,
  pipelines: HostedStages[],
  { hosted, plan }: Hosting,
  deps: BackendDeps,
  state: ServingState,
  http: { app: { close(): Promise<void> }; url: string },
): Promise<RunningRole> {
  // The check `vpo doctor` makes, before anything loads: a session whose provider cannot run here
  // refuses the role with the doctor's line (ProviderUnavailableError; readiness never turns
  // true), never runs on the CPU instead.
  const mine = pipelines.flatMap((p) => p.runtime.stages.filter((s) => p.stages.includes(s.name)));
  const deviceId = mine.find((s) => s.executionProvider === 'cuda')?.deviceId;
  await requireProviders(providerNeeds(mine), {
    ...(deviceId !== undefined ? { deviceId } : {}),
    ...deps.doctor,
  });
  const objectStore = openObjectStore(file, deps);
  // Each hosted pipeline's own frame store (a shared group's pipelines may keep frames apart).
  const frameStores = await openFrameStores(pipelines, deps, objectStore).catch((error: unknown) => {
    objectStore?.close();
    throw error;
  });
  const frameStoreOf = (pipeline: string) => frameStores.get(pipeline)!;
  const preprocess = createPreprocessPool({ threads: Math.max(1, os.availableParallelism() - 1) });
  const modelRoot = deps.modelRoot ?? file.modelRoot;
  const resolveModel = createModelSource({
    ...(modelRoot ? { modelRoot } : {}),
    cacheDir: deps.modelCacheDir ?? path.join(os.tmpdir(), 'vpo-models'),
    ...(deps.modelClaimsDir ? { claimsDir: deps.modelClaimsDir } : {}),
    ...(objectStore ? { objectStore } : {}),
  });
  const [first, ...others] = pipelines.map((p) => hosted(p.runtime));
  // A model that cannot load ends the process: the pool's threads must not keep it alive.
  const stageWorkers = await createStageWorkers({
    config: first!,
    ...(others.length > 0 ? { otherConfigs: others } : {}),
    frameStore: frameStoreOf(first!.pipeline.name),
    frameStoreOf,
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
  const executors: RunningExecutor[] = [];
  const byPipeline = new Map<string, { executor: RunningExecutor; transport: KafkaTransport }>();
  const stopAll = async () => {
    await Promise.all(executors.map((e) => e.stop()));
    await Promise.all(state.transports.map((t) => t.close()));
    await stageWorkers.close();
    await preprocess.close();
    objectStore?.close();
  };
  try {
    for (const p of pipelines) {
      const config = p.runtime;
      // A sink or a gather publishes results: the output gate keeps one per video.
      const sink =
        p.gathers.length > 0 ||
        config.stages.some((s) => p.stages.includes(s.name) && s.downstream.length === 0);
      const transport = await connectTransport(fileOf(file, p), deps, sink, (topic) => plan.declare(topic));
      state.transports.push(transport);
      const { clock, logger, metrics } = deps;
      const frameStore = frameStoreOf(config.pipeline.name);
      const frames = {
        retain: (ref: string, count: number) => frameStore.retain(ref, count),
        release: (ref: string) => frameStore.release(ref),
      };
      const ctx = { config, transport, frames, clock, logger, metrics };
      const workers = stageWorkers.workersOf(config.pipeline.name);
      const executor = await startExecutor(ctx, {
        workers,
        gathers: p.gathers,
        consumersPerStage: p.kafkaSettings.consumersPerStage,
      });
      executors.push(executor);
      byPipeline.set(config.pipeline.name, { executor, transport });
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  const sweep = setInterval(() => {
    for (const executor of executors) {
      executor
        .expireJoins(deps.clock.nowMs())
        .catch((e: Error) => deps.logger.error(`join sweep: ${e.message}`));
    }
  }, deps.joinSweepMs ?? 1000);
  if (deps.planSource) {
    // Each pipeline still in the file takes its new settings; one that left goes idle.
    plan.follow(deps.planSource, async (next) => {
      const configs = filePipelines(next).map((p) => p.runtime);
      stageWorkers.retune(configs.map(hosted));
      for (const config of configs) {
        const running = byPipeline.get(config.pipeline.name);
        if (!running) continue;
        running.executor.retune(config);
        for (const stage of hosted(config).stages)
          running.transport.setMaxBatch(stage.topic, stage.batchSize);
        await running.transport.redeclare();
      }
    });
  }
  return {
    url: http.url,
    transport: state.transports[0]!,
    async close() {
      plan.close();
      clearInterval(sweep);
      await http.app.close();
      await stopAll();
    },
  };
}
