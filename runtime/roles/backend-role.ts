// The backend role as it runs in a pod: hosts the sessions of some stages (`--stages`, or the
// planned backend group `--backend`, or every stage), consumes their topics through Kafka, runs
// batched inference, and publishes onward, to the output topic for a sink (DESIGN.md "Parts").
// A backend group's runtime file may carry several pipelines of one namespace (a shared group):
// the pod then runs one device backend for all their sessions, and per pipeline its own Kafka
// transport and executor, so each pipeline's stage topics feed its own sessions and its results,
// dead letters and downstream messages go to its own topics.
import os from 'node:os';
import type { RuntimeConfig } from '../../contract/runtime-config.ts';
import { filePipelines, type HostedPipeline, type RuntimeFile } from '../../contract/runtime-file.ts';
import { createStageWorkers } from '../backend/stage-workers.ts';
import { type RunningExecutor, startExecutor } from '../executor/executor.ts';
import { createPreprocessPool } from '../preprocess/worker-pool.ts';
import type { KafkaTransport } from '../transport/kafka/kafka-transport.ts';
import {
  connectTransport,
  openFrameStore,
  type RoleDeps,
  type RoleListen,
  type RunningRole,
  serveHttp,
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
    if (!group)
      throw new Error(`no planned backend ${selection.backend} in pipeline ${config.pipeline.name}`);
    return group.sessions.map((s) => s.stage);
  }
  return known;
}

/** The config this process's stage workers see: only its stages, one backend hosting them. */
function hostedConfig(config: RuntimeConfig, stages: string[]): RuntimeConfig {
  const hosted = config.stages.filter((s) => stages.includes(s.name));
  const planned = new Map(config.backends.flatMap((b) => b.sessions.map((s) => [s.stage, s.rateVps])));
  return {
    ...config,
    stages: hosted,
    backends: [
      {
        name: 'local',
        gpuProduct: 'local',
        replicas: 1,
        dutyCycleMicros: 0,
        sessions: hosted.map((s) => ({
          stage: s.name,
          session: s.session,
          batchSize: s.batchSize,
          rateVps: planned.get(s.name) ?? 0,
        })),
      },
    ],
  };
}

/** Each pipeline the file carries with the stages this process hosts of it. */
function selectPipelines(file: RuntimeFile, selection: BackendSelection) {
  const pipelines = filePipelines(file);
  if (selection.stages?.length && pipelines.length > 1) {
    const names = pipelines.map((p) => p.runtime.pipeline.name).join(', ');
    throw new Error(`--stages picks stages of one pipeline; this file hosts ${names}: use --backend NAME`);
  }
  return pipelines.map((p) => ({ ...p, stages: hostedStages(p.runtime, selection) }));
}

/** A file for one of the hosted pipelines: its config and Kafka settings in `runtime`'s place. */
const fileOf = (file: RuntimeFile, p: HostedPipeline): RuntimeFile => {
  const { otherPipelines: _, ...rest } = file;
  return { ...rest, runtime: p.runtime, kafka: { ...file.kafka, settings: p.kafkaSettings } };
};

export async function startBackendRole(
  file: RuntimeFile,
  selection: BackendSelection,
  listen: RoleListen,
  deps: RoleDeps & { modelRoot?: string; joinSweepMs?: number; emulateDeviceLatency?: boolean },
): Promise<RunningRole> {
  const pipelines = selectPipelines(file, selection);
  const frameStore = await openFrameStore(file, deps);
  const preprocess = createPreprocessPool({ threads: Math.max(1, os.availableParallelism() - 1) });
  const modelRoot = deps.modelRoot ?? file.modelRoot;
  const [first, ...others] = pipelines.map((p) => hostedConfig(p.runtime, p.stages));
  // A model that cannot load ends the process: the pool's threads must not keep it alive.
  const stageWorkers = await createStageWorkers({
    config: first!,
    ...(others.length > 0 ? { otherConfigs: others } : {}),
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
  const frames = {
    retain: (ref: string, count: number) => frameStore.retain(ref, count),
    release: (ref: string) => frameStore.release(ref),
  };
  const transports: KafkaTransport[] = [];
  const executors: RunningExecutor[] = [];
  const stopAll = async () => {
    await Promise.all(executors.map((e) => e.stop()));
    await Promise.all(transports.map((t) => t.close()));
    await stageWorkers.close();
    await preprocess.close();
  };
  try {
    for (const p of pipelines) {
      const config = p.runtime;
      const sink = config.stages.some((s) => p.stages.includes(s.name) && s.downstream.length === 0);
      const transport = await connectTransport(fileOf(file, p), deps, sink);
      transports.push(transport);
      const ctx = {
        config,
        transport,
        frames,
        clock: deps.clock,
        logger: deps.logger,
        metrics: deps.metrics,
      };
      const workers = stageWorkers.workersOf(config.pipeline.name);
      executors.push(
        await startExecutor(ctx, { workers, consumersPerStage: p.kafkaSettings.consumersPerStage }),
      );
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
  const http = await serveHttp(listen, deps, () => ({ modelsLoaded: true, transportConnected: true }));
  return {
    url: http.url,
    transport: transports[0]!,
    async close() {
      clearInterval(sweep);
      await http.app.close();
      await stopAll();
    },
  };
}
