// Builds the runtime config from the manifests and the plan: a pure function (no clock, no
// environment, no I/O), so `desired(x)` deep-equals `desired(x)` and the operator can render the
// same object into a ConfigMap that `vpo run` uses in memory.
import type { ModelSession, VideoPipeline, VideoPipelineStage } from '../../contract/crd-types.generated.ts';
import {
  DEFAULT_MAX_DECODED_BYTES_PER_VIDEO,
  DEFAULT_MAX_PIXELS_PER_FRAME,
} from '../../contract/decode-bounds.ts';
import {
  RUNTIME_CONFIG_VERSION,
  type RuntimeConfig,
  type RuntimeLimits,
  type RuntimeStage,
  type RuntimeStageInput,
} from '../../contract/runtime-config.ts';
import { readsItems } from '../api/fan-out-check.ts';
import { ingestCostOf, samplingModeOf } from '../api/ingest-cost.ts';
import { stageInputSource } from '../api/input-source.ts';
import type { Plan } from '../planner/types.ts';
import { gathersOf, outputDecoder } from './fan-out-config.ts';
import { INGEST_TOKEN_ENV } from './ingest-token.ts';
import { RuntimeConfigError } from './runtime-config-error.ts';

export { RuntimeConfigError };

export interface RuntimeConfigOptions {
  limits?: Partial<RuntimeLimits>;
  /** First retry waits this long, doubling per attempt (default 100). */
  retryBackoffMs?: number;
  /** Overrides every session's executionProvider (e.g. `vpo run --provider cpu`). */
  executionProvider?: RuntimeStage['executionProvider'];
  /** The plan's generation (status.plan.generation; default 1), stamped on every backend group. */
  planGeneration?: number;
}

/** A Kubernetes decimal quantity as a number ("1", "0.485", "500m"). */
function decimal(value: string, what: string): number {
  const m = /^([+-]?\d+(?:\.\d+)?|[+-]?\.\d+)(m?)$/.exec(value.trim());
  if (!m) throw new RuntimeConfigError(`${what}: '${value}' is not a decimal quantity`);
  return Number(m[1]) / (m[2] === 'm' ? 1000 : 1);
}

/** Stage order with every stage after its inputs; throws on a cycle or an unknown input. */
function topologicalOrder(stages: VideoPipelineStage[], where: string): VideoPipelineStage[] {
  const byName = new Map(stages.map((s) => [s.name, s]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const order: VideoPipelineStage[] = [];
  const visit = (stage: VideoPipelineStage) => {
    if (done.has(stage.name)) return;
    if (visiting.has(stage.name))
      throw new RuntimeConfigError(`${where}: stage '${stage.name}' is in a cycle`);
    visiting.add(stage.name);
    for (const input of stage.inputs ?? ['source']) {
      if (input === 'source') continue;
      const upstream = byName.get(input);
      if (!upstream)
        throw new RuntimeConfigError(`${where}: stage '${stage.name}' input '${input}' is unknown`);
      visit(upstream);
    }
    visiting.delete(stage.name);
    done.add(stage.name);
    order.push(stage);
  };
  for (const stage of stages) visit(stage);
  return order;
}

function stageInput(
  stage: VideoPipelineStage,
  session: ModelSession,
  sampling: RuntimeConfig['sampling'],
  where: string,
  readsItems: boolean,
): RuntimeStageInput {
  const input = session.spec.input;
  const source = stageInputSource(stage, session, readsItems);
  if (!source.ok) throw new RuntimeConfigError(source.message);
  const numbers = (values: string[] | undefined, field: string) =>
    values?.map((v, i) => decimal(v, `${where}.input.${field}[${i}]`));
  const mean = numbers(input.mean, 'mean');
  const std = numbers(input.std, 'std');
  return {
    source: source.source,
    ...(input.name ? { name: input.name } : {}),
    layout: input.layout ?? 'NFCHW',
    frames: input.frames ?? sampling.frames,
    width: input.width ?? sampling.width,
    height: input.height ?? sampling.height,
    ...(mean ? { mean } : {}),
    ...(std ? { std } : {}),
    ...(input.resize ? { resize: input.resize } : {}),
  };
}

function stageOutput(session: ModelSession, where: string): RuntimeStage['output'] {
  const { name, labels } = session.spec.output ?? {};
  const decoder = outputDecoder(session, decimal, where);
  return {
    ...(name !== undefined ? { name } : {}),
    ...(labels ? { labels: [...labels] } : {}),
    ...(decoder ? { decoder } : {}),
  };
}

export function runtimeConfigFromPlan(
  pipeline: VideoPipeline,
  sessions: ModelSession[],
  plan: Plan,
  options: RuntimeConfigOptions = {},
): RuntimeConfig {
  const namespace = pipeline.metadata?.namespace ?? 'default';
  const name = pipeline.metadata?.name ?? '';
  const where = `VideoPipeline ${namespace}/${name}`;
  const spec = pipeline.spec;
  const prefix = `vpo.${namespace}.${name}`;
  const latency = {
    sloMs: spec.latencySLO.p99Ms,
    ingestAllowanceMs: ingestCostOf(pipeline).latencyShareMs,
    hopAllowanceMs: spec.latencySLO.hopAllowanceMs ?? 50,
    latePolicy: spec.latencySLO.latePolicy ?? 'process',
  };
  const sampling = { ...spec.sampling, mode: samplingModeOf(pipeline) };
  const ordered = topologicalOrder(spec.stages, where);
  const offsets = new Map<string, number>();
  const sessionOf = (stage: VideoPipelineStage) =>
    sessions.find((s) => s.metadata?.name === stage.sessionRef?.name);
  const topicOf = (stage: VideoPipelineStage) => `${prefix}.stage.${stage.name}`;
  // Gathers run no model: they are not planned and become `gathers` (fan-out-config.ts).
  const modelStages = ordered.flatMap((s) => (s.sessionRef ? [{ ...s, sessionRef: s.sessionRef }] : []));
  const stages: RuntimeStage[] = modelStages.map((stage) => {
    const here = `${where} stage '${stage.name}'`;
    const session = sessions.find((s) => s.metadata?.name === stage.sessionRef.name);
    if (!session) throw new RuntimeConfigError(`${here}: ModelSession '${stage.sessionRef.name}' not found`);
    const planned = plan.stages.find((s) => s.name === stage.name);
    if (!planned) throw new RuntimeConfigError(`${here}: not in the plan`);
    const inputs = stage.inputs ?? ['source'];
    const upstreamOffsetMs = Math.max(...inputs.map((i) => offsets.get(i) ?? latency.ingestAllowanceMs));
    const deadlineOffsetMs = upstreamOffsetMs + latency.hopAllowanceMs + planned.latencyBudgetMs;
    offsets.set(stage.name, deadlineOffsetMs);
    const maxQueueDelayMs = session.spec.batching.maxQueueDelayMs;
    const profile = [...(session.status?.profiles ?? []), ...(session.spec.profiles ?? [])].find(
      (p) => p.gpuProduct === plan.gpuProduct,
    );
    return {
      name: stage.name,
      session: stage.sessionRef.name,
      inputs,
      downstream: spec.stages.filter((s) => (s.inputs ?? ['source']).includes(stage.name)).map((s) => s.name),
      topic: topicOf(stage),
      fanOut: decimal(stage.fanOut ?? '1', `${here}.fanOut`),
      ...(inputs.length > 1 ? { joinTimeoutMs: stage.joinTimeoutMs ?? 60000 } : {}),
      latencyBudgetMs: planned.latencyBudgetMs,
      deadlineOffsetMs,
      batchSize: planned.batchSize,
      replicas: planned.replicas,
      ...(maxQueueDelayMs !== undefined ? { maxQueueDelayMs } : {}),
      profile: (profile?.points ?? []).map((p) => ({
        batchSize: p.batchSize,
        latencyMicros: p.latencyMicros,
      })),
      model: { ...session.spec.model },
      executionProvider: options.executionProvider ?? session.spec.executionProvider,
      ...(session.spec.cuda?.deviceId !== undefined &&
      (options.executionProvider ?? session.spec.executionProvider) === 'cuda'
        ? { deviceId: session.spec.cuda.deviceId }
        : {}),
      input: stageInput(
        stage,
        session,
        sampling,
        `ModelSession ${stage.sessionRef.name}`,
        readsItems(pipeline, stage, sessionOf),
      ),
      output: stageOutput(session, `ModelSession ${stage.sessionRef.name}`),
    };
  });
  const gathers = gathersOf(pipeline, topicOf, decimal, where);
  const largestBatch = Math.max(1, ...stages.map((s) => s.batchSize));
  const queueCapacity = options.limits?.queueCapacity ?? Math.max(16, 4 * largestBatch);
  const source = spec.source ?? {};
  return {
    version: RUNTIME_CONFIG_VERSION,
    pipeline: { namespace, name },
    topics: {
      source: source.kafkaTopic ?? `${prefix}.source`,
      output: spec.output?.kafkaTopic ?? `${prefix}.results`,
      deadLetter: spec.deadLetter?.kafkaTopic ?? `${prefix}.dead`,
    },
    source: {
      allowedUriSchemes: [...(source.allowedUriSchemes ?? ['https'])],
      maxVideoBytes: source.maxVideoBytes ?? 512 * 2 ** 20,
      allowPrivateNetworks: source.allowPrivateNetworks ?? false,
      connectTimeoutMs: source.connectTimeoutMs ?? 5000,
      readTimeoutMs: source.readTimeoutMs ?? 30000,
      maxDurationSeconds: source.maxDurationSeconds ?? 600,
      downloadConcurrency: source.downloadConcurrency ?? 4,
      httpEnabled: source.http?.enabled ?? false,
      ...(source.http?.enabled && source.http.auth !== 'none' ? { httpTokenEnv: INGEST_TOKEN_ENV } : {}),
      ...(source.http?.clientVideoIds ? { clientVideoIds: true } : {}),
      maxPixelsPerFrame: source.maxPixelsPerFrame ?? DEFAULT_MAX_PIXELS_PER_FRAME,
      maxDecodedBytesPerVideo: source.maxDecodedBytesPerVideo ?? DEFAULT_MAX_DECODED_BYTES_PER_VIDEO,
      decoder: source.decoder ?? 'cpu',
    },
    sampling,
    latency,
    deadLetter: {
      maxRetries: spec.deadLetter?.maxRetries ?? 3,
      retryBackoffMs: options.retryBackoffMs ?? 100,
    },
    frameStore: { ttlSeconds: spec.frameStore?.ttlSeconds ?? 3600 },
    stages,
    ...(gathers.length > 0 ? { gathers } : {}),
    // The groups hosting this pipeline's stages, each with this pipeline's sessions on it (a
    // group may host other pipelines' too: their configs list theirs).
    backends: plan.backends
      .filter((b) => b.sessions.some((s) => s.pipeline === name))
      .map((b) => ({
        name: b.name,
        gpuProduct: b.gpuProduct,
        replicas: b.replicas,
        dutyCycleMicros: b.dutyCycleMicros,
        occupancy: b.occupancy,
        planGeneration: options.planGeneration ?? 1,
        sessions: b.sessions
          .filter((s) => s.pipeline === name)
          .map((s) => ({ stage: s.stage, session: s.session, batchSize: s.batchSize, rateVps: s.rateVps })),
        ...(b.pipelines.length > 1 ? { pipelines: [...b.pipelines] } : {}),
      })),
    limits: {
      queueCapacity,
      maxPendingJoins: options.limits?.maxPendingJoins ?? Math.max(64, 8 * queueCapacity),
    },
  };
}
