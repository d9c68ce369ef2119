// What the simulator runs (pure): planned pipelines turned into the pods the operator would start
// and the settings each pod's runtime would use. Every setting comes from the same functions the
// operator and the runtime use: partition counts from the Kafka settings (contract/), which pods
// read which partitions from the rate-weighted assignor (runtime/assignment/), each pod's batch
// caps and duty cycle from its backend group, deadlines as the runtime config computes them.
// `followPlan: false` gives the runtime before it followed the plan: Kafka's even split, every
// hosted session at its stage's batch size, no duty cycle (the baseline the benchmark compares).
import { kafkaSettingsFromConfig } from '../contract/kafka-settings.ts';
import type { Plan } from '../contract/plan.ts';
import type { RuntimeConfig, RuntimeStage } from '../contract/runtime-config.ts';
import type { PlannerPipeline, PlannerSession } from '../operator/planner/types.ts';
import { assignByRate } from '../runtime/assignment/partitions-by-rate.ts';
import type { LatencySample } from '../runtime/batching/latency-fit.ts';

/**
 * One plan and the pipelines it covers. A joint plan (the planner's planPipelines: residuals of
 * several pipelines packed onto shared GPUs) names its stages `<pipeline>/<stage>`; a plan of one
 * pipeline names them `<stage>`.
 */
export interface PlannedUnit {
  pipelines: readonly PlannerPipeline[];
  plan: Plan;
  sessions: readonly PlannerSession[];
}

export interface SimStage {
  name: string;
  /** Indices of the stages this one feeds; empty = a sink (its results end the video). */
  downstream: number[];
  /** Stage inputs that are stages (a join has several); empty = fed by the source. */
  upstream: number[];
  fanOut: number;
  deadlineOffsetMs: number;
  /** The stage's planned batch (what every session of it ran before the runtime followed the plan). */
  batchSize: number;
  /** Pod session that owns each partition of the stage's topic. */
  owners: Int32Array;
}

export interface SimPipeline {
  key: string;
  namespace: string;
  name: string;
  sloMs: number;
  /** The planned source rate (load × peakFactor): what the GPUs were sized for. */
  plannedVps: number;
  /** The pipeline's load (spec.load, before peakFactor: status.target): load factor 1 offers it. */
  targetVps: number;
  ingestMs: number;
  hopMs: number;
  partitions: number;
  /** Bound of each backend session queue (the runtime config's limits.queueCapacity). */
  queueCapacity: number;
  stages: SimStage[];
}

export interface SimSession {
  /** Index into the model's sessions. */
  id: number;
  pod: number;
  pipeline: number;
  stage: number;
  batchCap: number;
  /** The pod's planned rate for the stage, videos (items) per second. */
  rateVps: number;
  /** ℓ(b) of the planned product, ms: seeds the batcher's fit and is what the device takes. */
  profile: LatencySample[];
  queueCapacity: number;
  latePolicy: 'process' | 'deadLetter';
}

export interface SimPod {
  group: number;
  dutyCycleMs: number;
  sessions: number[];
}

export interface SimGroup {
  name: string;
  /** Pipelines whose sessions the group hosts. */
  pipelines: number[];
  gpuProduct: string;
  replicas: number;
  plannedOccupancy: number;
  pods: number[];
}

export interface SimModel {
  pipelines: SimPipeline[];
  groups: SimGroup[];
  pods: SimPod[];
  sessions: SimSession[];
}

export interface ModelOptions {
  /** Follow the plan (rates, batch caps, duty cycles); false = the even, stage-level baseline. */
  followPlan?: boolean;
  /** Consumers each pod runs per stage (the runtime's consumersPerStage; default 2). */
  consumersPerStage?: number;
}

/** Stage order with every stage after its inputs (the planner already refused cycles). */
function topological(pipeline: PlannerPipeline): PlannerPipeline['stages'] {
  const byName = new Map(pipeline.stages.map((s) => [s.name, s]));
  const done = new Set<string>();
  const order: PlannerPipeline['stages'] = [];
  const visit = (name: string) => {
    if (done.has(name)) return;
    done.add(name);
    const s = byName.get(name);
    if (!s) return;
    for (const i of s.inputs) if (i !== 'source') visit(i);
    order.push(s);
  };
  for (const s of pipeline.stages) visit(s.name);
  return order;
}

function profileMs(sessions: readonly PlannerSession[], name: string, product: string): LatencySample[] {
  const points = sessions
    .find((s) => s.name === name)
    ?.profiles.find((p) => p.gpuProduct === product)?.points;
  return (points ?? []).map((p) => ({ batchSize: p.batchSize, latencyMs: p.latencyMicros / 1000 }));
}

/**
 * The Kafka settings' view of a plan: the runtime config fields kafkaSettingsFromConfig reads,
 * so the simulated topics have exactly the partitions the operator would create.
 */
function settingsConfig(
  pipeline: PlannerPipeline,
  plan: Plan,
  sessions: readonly PlannerSession[],
  queueCapacity: number,
): RuntimeConfig {
  const stages: RuntimeStage[] = plan.stages.map((s) => ({
    name: s.name,
    session: s.session,
    inputs: [],
    downstream: [],
    topic: s.name,
    fanOut: 1,
    latencyBudgetMs: s.latencyBudgetMs,
    deadlineOffsetMs: 0,
    batchSize: s.batchSize,
    replicas: s.replicas,
    profile: profileMs(sessions, s.session, plan.gpuProduct).map((p) => ({
      batchSize: p.batchSize,
      latencyMicros: p.latencyMs * 1000,
    })),
    model: { uri: '' },
    executionProvider: 'cuda',
    input: { source: 'frames', layout: 'NCHW', frames: 1, width: 1, height: 1 },
    output: {},
  }));
  return {
    version: 1,
    pipeline: { namespace: pipeline.namespace, name: pipeline.name },
    topics: { source: '', output: '', deadLetter: '' },
    source: {
      allowedUriSchemes: [],
      maxVideoBytes: 0,
      allowPrivateNetworks: false,
      connectTimeoutMs: 0,
      readTimeoutMs: 0,
      maxDurationSeconds: 0,
      downloadConcurrency: 1,
      httpEnabled: false,
      maxPixelsPerFrame: 1,
      maxDecodedBytesPerVideo: 1,
      decoder: 'cpu',
    },
    sampling: { frames: 1, width: 1, height: 1, mode: 'uniform' },
    latency: { sloMs: pipeline.sloMs, ingestAllowanceMs: 0, hopAllowanceMs: 0, latePolicy: 'process' },
    deadLetter: { maxRetries: 0, retryBackoffMs: 0 },
    frameStore: { ttlSeconds: 0 },
    stages,
    backends: plan.backends.map((b) => ({ ...b, planGeneration: 1 })),
    limits: { queueCapacity, maxPendingJoins: Math.max(64, 8 * queueCapacity) },
  };
}

/**
 * Whether a backend session of a joint plan is `pipeline`'s: its stage is `<pipeline>/<stage>`,
 * or (as the planner names them today) a bare stage name that this pipeline runs with that
 * ModelSession.
 */
function sessionOf(
  pipeline: PlannerPipeline,
  hosted: { stage: string; session: string; pipeline?: string },
): string | undefined {
  if (hosted.pipeline !== undefined) return hosted.pipeline === pipeline.name ? hosted.stage : undefined;
  const prefix = `${pipeline.name}/`;
  if (hosted.stage.startsWith(prefix)) return hosted.stage.slice(prefix.length);
  return pipeline.stages.some((s) => s.name === hosted.stage && s.session === hosted.session)
    ? hosted.stage
    : undefined;
}

/** The plan of one pipeline of a unit: its stages and sessions under their own names. */
function ownPlan(unit: PlannedUnit, pipeline: PlannerPipeline): Plan {
  if (unit.pipelines.length === 1) return unit.plan;
  const prefix = `${pipeline.name}/`;
  return {
    ...unit.plan,
    stages: unit.plan.stages.flatMap((s) =>
      s.name.startsWith(prefix) ? [{ ...s, name: s.name.slice(prefix.length) }] : [],
    ),
    backends: unit.plan.backends
      .map((b) => ({
        ...b,
        sessions: b.sessions.flatMap((x) => {
          const stage = sessionOf(pipeline, x);
          return stage === undefined ? [] : [{ ...x, stage }];
        }),
      }))
      .filter((b) => b.sessions.length > 0),
  };
}

export function buildModel(units: readonly PlannedUnit[], options: ModelOptions = {}): SimModel {
  const followPlan = options.followPlan ?? true;
  const consumers = options.consumersPerStage ?? 2;
  const model: SimModel = { pipelines: [], groups: [], pods: [], sessions: [] };
  for (const unit of units) {
    /** `<stage>` or `<pipeline>/<stage>` → the model's pipeline and stage index. */
    const where = new Map<string, { pipeline: number; stage: number }>();
    for (const pipeline of unit.pipelines) {
      const pipelineIndex = model.pipelines.length;
      const plan = ownPlan(unit, pipeline);
      const order = topological(pipeline);
      const index = new Map(order.map((s, i) => [s.name, i]));
      for (const [name, i] of index)
        where.set(unit.pipelines.length === 1 ? name : `${pipeline.name}/${name}`, {
          pipeline: pipelineIndex,
          stage: i,
        });
      // Deadlines as runtimeConfigFromPlan computes them (operator/render/runtime-config.ts): the
      // ingest allowance, then a hop and the budget of every stage on the longest path.
      const offsets: number[] = [];
      order.forEach((s, i) => {
        const budget = plan.stages.find((x) => x.name === s.name)?.latencyBudgetMs ?? 0;
        const upstream = s.inputs.filter((x) => x !== 'source').map((x) => offsets[index.get(x)!]!);
        offsets[i] = Math.max(pipeline.ingestAllowanceMs, ...upstream) + pipeline.hopAllowanceMs + budget;
      });
      const largestBatch = Math.max(1, ...plan.stages.map((s) => s.batchSize));
      const queueCapacity = Math.max(16, 4 * largestBatch);
      const { partitions } = kafkaSettingsFromConfig(
        settingsConfig(pipeline, plan, unit.sessions, queueCapacity),
        {
          consumersPerStage: consumers,
        },
      );
      model.pipelines.push({
        key: `${pipeline.namespace}/${pipeline.name}`,
        namespace: pipeline.namespace,
        name: pipeline.name,
        sloMs: pipeline.sloMs,
        plannedVps: pipeline.videosPerSecond * pipeline.peakFactor,
        targetVps: pipeline.videosPerSecond,
        ingestMs: pipeline.ingestAllowanceMs,
        hopMs: pipeline.hopAllowanceMs,
        partitions,
        queueCapacity,
        stages: order.map((s, i) => ({
          name: s.name,
          downstream: order.flatMap((d, j) => (d.inputs.includes(s.name) ? [j] : [])),
          upstream: s.inputs.filter((x) => x !== 'source').map((x) => index.get(x)!),
          fanOut: s.fanOut,
          deadlineOffsetMs: offsets[i]!,
          batchSize: plan.stages.find((x) => x.name === s.name)?.batchSize ?? 1,
          owners: new Int32Array(partitions).fill(-1),
        })),
      });
    }
    // A joint plan's backend sessions may name their stage without the pipeline (sessionOf).
    const locate = (hosted: { stage: string; session: string; pipeline?: string }) => {
      if (unit.pipelines.length === 1) return where.get(hosted.stage);
      for (const pipeline of unit.pipelines) {
        const stage = sessionOf(pipeline, hosted);
        if (stage !== undefined) return where.get(`${pipeline.name}/${stage}`);
      }
      return undefined;
    };
    // Pods, one per replica of each backend group, with the sessions their runtime would run.
    type Member = { memberId: string; pod?: string; rateVps?: number; capacityVps?: number; session: number };
    const membersOf = new Map<string, Member[]>();
    for (const group of unit.plan.backends) {
      const simGroup: SimGroup = {
        name: group.name,
        pipelines: [],
        gpuProduct: group.gpuProduct,
        replicas: group.replicas,
        plannedOccupancy: group.occupancy,
        pods: [],
      };
      const groupIndex = model.groups.length;
      model.groups.push(simGroup);
      for (let r = 0; r < group.replicas; r++) {
        const podIndex = model.pods.length;
        const podId = `pod-${String(podIndex).padStart(6, '0')}`;
        const pod: SimPod = {
          group: groupIndex,
          dutyCycleMs: followPlan ? group.dutyCycleMicros / 1000 : 0,
          sessions: [],
        };
        for (const hosted of group.sessions) {
          const at = locate(hosted);
          if (!at) continue;
          const simPipeline = model.pipelines[at.pipeline]!;
          if (!simGroup.pipelines.includes(at.pipeline)) simGroup.pipelines.push(at.pipeline);
          const session: SimSession = {
            id: model.sessions.length,
            pod: podIndex,
            pipeline: at.pipeline,
            stage: at.stage,
            batchCap: Math.max(1, followPlan ? hosted.batchSize : simPipeline.stages[at.stage]!.batchSize),
            rateVps: hosted.rateVps,
            profile: profileMs(unit.sessions, hosted.session, unit.plan.gpuProduct),
            queueCapacity: simPipeline.queueCapacity,
            latePolicy: 'process',
          };
          model.sessions.push(session);
          pod.sessions.push(session.id);
          const key = `${at.pipeline}/${at.stage}`;
          const members = membersOf.get(key) ?? [];
          for (let c = 0; c < consumers; c++) {
            members.push({
              memberId: `${podId}-${c}`,
              ...(followPlan ? { pod: podId, rateVps: hosted.rateVps } : {}),
              // What the pod declares as its capacity (runtime/roles/backend-plan.ts).
              ...(followPlan && group.dutyCycleMicros > 0
                ? { capacityVps: (hosted.batchSize * 1e6) / group.dutyCycleMicros }
                : {}),
              session: session.id,
            });
          }
          membersOf.set(key, members);
        }
        model.pods.push(pod);
        simGroup.pods.push(podIndex);
      }
    }
    // Which pod reads which partition: the assignor the consumers' group leader runs.
    for (const [key, members] of membersOf) {
      const [p, st] = key.split('/').map(Number) as [number, number];
      const stage = model.pipelines[p]!.stages[st]!;
      const sessionOf = new Map(members.map((m) => [m.memberId, m.session]));
      const partitions = Array.from({ length: stage.owners.length }, (_, k) => k);
      const assignment = assignByRate(members, [{ topic: stage.name, partitions }]);
      for (const [memberId, topics] of assignment)
        for (const partition of topics[stage.name] ?? []) stage.owners[partition] = sessionOf.get(memberId)!;
    }
  }
  return model;
}
