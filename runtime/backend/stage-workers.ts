// The backends of the embedded mode, from the runtime config: one backend per planned backend
// replica (capped by the local devices), each hosting its planned sessions with a loaded model,
// and one StageWorker per stage that turns an executor message into a backend item (frames from
// the frame store, or the upstream stages' scores) and waits for room in a backend's queue
// (backpressure) before submitting. A shared backend group hosts sessions of several pipelines:
// with `otherConfigs`, a planned group of the same name in every config is ONE backend hosting
// all their sessions (keyed `<pipeline>/<stage>`), each session with its own pipeline's limits,
// late policy and metric labels.

import type { RuntimeConfig, RuntimeStage } from '../../contract/runtime-config.ts';
import type { Clock } from '../clock.ts';
import type { StageWorker } from '../executor/ports.ts';
import type { FrameStore } from '../framestore/framestore.ts';
import { StageError } from '../inference/errors.ts';
import { modelPath } from '../inference/model-path.ts';
import type { ModelSource } from '../inference/model-source.ts';
import { type InferenceModel, loadModel } from '../inference/onnx-model.ts';
import type { RuntimeMetrics } from '../metrics.ts';
import { groupSettings } from '../plan/backend-settings.ts';
import type { PreprocessPool } from '../preprocess/worker-pool.ts';
import type { StageMessage } from '../transport/transport.ts';
import { type Backend, createBackend } from './backend.ts';
import type { BackendItem, SessionConfig } from './hosted-session.ts';
import { loadStageDecoder } from './load-decoder.ts';
import type { OutputDecoder } from './output-decoder.ts';
import { RecentFrames, regionFrames } from './region-item.ts';
import { QueueFullError } from './session-queue.ts';

export interface StageWorkersDeps {
  config: RuntimeConfig;
  /** Further pipelines whose sessions the same planned groups host (a shared backend group). */
  otherConfigs?: RuntimeConfig[];
  frameStore: FrameStore;
  /** A hosted pipeline's own frame store, by pipeline name, when they differ; default `frameStore`. */
  frameStoreOf?: (pipeline: string) => FrameStore;
  preprocess: PreprocessPool;
  clock: Clock;
  metrics?: RuntimeMetrics;
  modelRoot?: string;
  /** Where a model is on this machine (fetched first if remote); default: file:// under modelRoot. */
  resolveModel?: ModelSource;
  /** Backends at most per planned group (local devices). */
  maxBackends: number;
  intraOpThreads?: number;
  /** Pad each batch to the planned device's profiled ℓ(b) (runtime/backend/device-emulation.ts). */
  emulateDeviceLatency?: boolean;
}

export interface StageWorkers {
  /** Workers of `config`'s stages, by stage name. */
  workers: Record<string, StageWorker>;
  /** Workers of any hosted pipeline's stages (`config` or one of `otherConfigs`), by stage name. */
  workersOf(pipeline: string): Record<string, StageWorker>;
  backends: Backend[];
  /**
   * Takes a re-plan's duty cycles and batch caps (same groups and sessions) into the running
   * backends, from the hosted pipelines' new configs (a pipeline left out keeps its settings).
   */
  retune(configs: readonly RuntimeConfig[]): void;
  /** Stops the device loops and releases the models. */
  close(): Promise<void>;
}

function sessionConfig(
  stage: RuntimeStage,
  key: string,
  model: InferenceModel,
  config: RuntimeConfig,
  batch: number,
  decoder: OutputDecoder,
): SessionConfig {
  const input =
    stage.input.source === 'stages'
      ? { source: 'stages' as const, ...(stage.input.name ? { name: stage.input.name } : {}) }
      : { ...stage.input, source: 'frames' as const };
  return {
    stage: key,
    labels: { pipeline: config.pipeline.name, stage: stage.name },
    model,
    input,
    output: stage.output,
    decoder,
    plannedBatch: Math.max(1, batch),
    ...(stage.maxQueueDelayMs !== undefined ? { maxQueueDelayMs: stage.maxQueueDelayMs } : {}),
    queueCapacity: config.limits.queueCapacity,
    latePolicy: config.latency.latePolicy,
    profile: stage.profile.map((p) => ({ batchSize: p.batchSize, latencyMs: p.latencyMicros / 1000 })),
  };
}

async function itemOf(
  stage: RuntimeStage,
  message: StageMessage,
  deadlineMs: number,
  frameStore: FrameStore,
  recent: RecentFrames,
): Promise<BackendItem> {
  const base = { id: message.videoId, deadlineMs };
  if (stage.input.source === 'stages') {
    const scores = stage.inputs.map((input) => {
      const output = message.outputs[input] as { scores?: unknown } | undefined;
      if (!Array.isArray(output?.scores))
        throw new StageError('InputMismatch', `no scores from stage '${input}'`);
      return output.scores as number[];
    });
    return { ...base, scores };
  }
  if (!message.frameRef)
    throw new StageError('InputMismatch', `message for ${message.videoId} has no frameRef`);
  if (message.region) {
    const resize = stage.input.resize ?? 'stretch';
    return { ...base, ...(await regionFrames(recent, message.frameRef, message.region, resize)) };
  }
  const stored = await frameStore.get(message.frameRef);
  const { frames, height, width } = stored.meta;
  return { ...base, frames: { data: stored.data, dims: [frames, height, width, 3] } };
}

interface HostedGroup {
  name: string;
  replicas: number;
  sessions: { config: RuntimeConfig; stage: RuntimeStage; batchSize: number }[];
}

/** Planned groups by name across the hosted pipelines' configs, each with every pipeline's sessions. */
function hostedGroups(configs: RuntimeConfig[]): HostedGroup[] {
  const groups = new Map<string, HostedGroup>();
  for (const config of configs) {
    const stageOf = new Map(config.stages.map((s) => [s.name, s]));
    for (const group of config.backends) {
      const hosted = groups.get(group.name) ?? { name: group.name, replicas: group.replicas, sessions: [] };
      for (const s of group.sessions) {
        const stage = stageOf.get(s.stage);
        if (!stage) throw new Error(`backend ${group.name} hosts unknown stage '${s.stage}'`);
        hosted.sessions.push({ config, stage, batchSize: s.batchSize });
      }
      groups.set(group.name, hosted);
    }
  }
  return [...groups.values()];
}

export async function createStageWorkers(deps: StageWorkersDeps): Promise<StageWorkers> {
  const configs = [deps.config, ...(deps.otherConfigs ?? [])];
  const keyOf = (config: RuntimeConfig, stage: string) =>
    configs.length > 1 ? `${config.pipeline.name}/${stage}` : stage;
  const { clock } = deps;
  const models: InferenceModel[] = [];
  const backends: Backend[] = [];
  const groupOf = new Map<Backend, string>();
  const hosts = new Map<string, Backend[]>();
  try {
    for (const group of hostedGroups(configs)) {
      // Every group runs at least once, so every stage has a host.
      const replicas = Math.max(1, Math.min(group.replicas, deps.maxBackends));
      for (let r = 0; r < replicas; r++) {
        const sessions: SessionConfig[] = [];
        for (const { config, stage, batchSize } of group.sessions) {
          const model = await loadModel({
            path: deps.resolveModel
              ? await deps.resolveModel(stage.model)
              : modelPath(stage.model.uri, deps.modelRoot),
            ...(stage.model.sha256 ? { sha256: stage.model.sha256 } : {}),
            provider: stage.executionProvider,
            ...(stage.deviceId !== undefined ? { deviceId: stage.deviceId } : {}),
            ...(deps.intraOpThreads ? { intraOpThreads: deps.intraOpThreads } : {}),
          });
          models.push(model);
          const decoder = await loadStageDecoder(stage, deps.modelRoot);
          const session = sessionConfig(stage, keyOf(config, stage.name), model, config, batchSize, decoder);
          sessions.push(deps.emulateDeviceLatency ? { ...session, emulateDeviceLatency: true } : session);
        }
        const backend = createBackend(sessions, {
          clock,
          preprocess: (f, s, target, resize) => deps.preprocess.run(f, s, target, resize),
          metrics: deps.metrics,
          name: group.name,
        });
        const planned = groupSettings(configs, group.name, keyOf);
        if (planned) {
          backend.retune(planned.settings);
          deps.metrics?.plannedOccupancy.set({ backend: group.name }, planned.occupancy);
        }
        backends.push(backend);
        groupOf.set(backend, group.name);
        for (const s of sessions) hosts.set(s.stage, [...(hosts.get(s.stage) ?? []), backend]);
      }
    }
  } catch (error) {
    await Promise.all(models.map((m) => m.close()));
    throw error;
  }
  const loops = backends.map((b) => b.start());
  const byPipeline = new Map<string, Record<string, StageWorker>>();
  for (const config of configs) {
    const workers: Record<string, StageWorker> = {};
    // Each hosted pipeline reads its own frame store; regions of one frame are cropped from one read.
    const frameStore = deps.frameStoreOf?.(config.pipeline.name) ?? deps.frameStore;
    const recent = new RecentFrames(frameStore);
    for (const stage of config.stages) {
      const key = keyOf(config, stage.name);
      const mine = hosts.get(key) ?? [];
      if (mine.length === 0) throw new Error(`no backend hosts stage '${stage.name}' in the plan`);
      workers[stage.name] = {
        async process(message, deadlineMs) {
          const item = await itemOf(stage, message, deadlineMs, frameStore, recent);
          for (;;) {
            const backend = mine.reduce((a, b) => (b.queueDepth(key) < a.queueDepth(key) ? b : a));
            if (!backend.canAccept(key)) {
              await backend.whenAccepting(key);
              continue;
            }
            try {
              return await backend.submit(key, item);
            } catch (error) {
              if (!(error instanceof QueueFullError)) throw error;
            }
          }
        },
      };
    }
    byPipeline.set(config.pipeline.name, workers);
  }
  return {
    workers: byPipeline.get(deps.config.pipeline.name) ?? {},
    workersOf: (pipeline) => byPipeline.get(pipeline) ?? {},
    backends,
    retune(next) {
      // Keys as the sessions were built: `<pipeline>/<stage>` when the backends host several.
      const key = (config: RuntimeConfig, stage: string) =>
        configs.length > 1 ? `${config.pipeline.name}/${stage}` : stage;
      for (const backend of backends) {
        const name = groupOf.get(backend)!;
        const planned = groupSettings(next, name, key);
        if (!planned) continue;
        backend.retune(planned.settings);
        deps.metrics?.plannedOccupancy.set({ backend: name }, planned.occupancy);
      }
    },
    async close() {
      for (const b of backends) b.stop();
      await Promise.all(loops);
      await Promise.all(models.map((m) => m.close()));
    },
  };
}
