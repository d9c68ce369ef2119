// Reconciles one VideoPipeline by key: fetch → finalizer → load → its part of the namespace's
// plan (namespace-reconcile.ts plans every pipeline of a namespace together and applies the
// backend groups) → its own children (the ingest's runtime file, ingest Deployment, Services) and
// topics → one status patch → requeue. Level-based: the key is all it gets; a plan made for an
// older spec or load asks the namespace to plan again.

import { isDeepStrictEqual } from 'node:util';
import type { VideoPipeline } from '../../contract/crd-types.generated.ts';
import type { RuntimeFile } from '../../contract/runtime-file.ts';
import { consumerGroupName } from '../../contract/topic-names.ts';
import { asVideoPipeline } from '../api/objects.ts';
import { formatDecimal } from '../api/quantity.ts';
import { objectPath, PIPELINES, statusPath } from '../kube/paths.ts';
import type { KubeObject } from '../kube/types.ts';
import { backlogStages, messagesPerVideo } from '../load/backlog.ts';
import { decide } from '../load/policy.ts';
import { runtimeFileOf } from '../render/config-map.ts';
import { type DesiredChild, pipelineChildren } from '../render/desired.ts';
import { backendName, ingestName } from '../render/names.ts';
import { FrameStoreNotSharedError } from '../render/storage.ts';
import { backendStartFailures } from './backend-failures.ts';
import { applyObjects, availability } from './children.ts';
import type { Planned, ReconcileContext, ReconcileResult } from './context.ts';
import { ensureFinalizer, finalize } from './finalizer.ts';
import { ensureIngestToken } from './ingest-token.ts';
import { plannedFor, sessionsOf, targetVideosPerSecond } from './pipeline-plan.ts';
import { type Check, pipelineStatus } from './pipeline-status.ts';
import { planRollout } from './plan-rollout.ts';
import { loadTopics, topicSpecs } from './topics.ts';

/** How soon to look again while the namespace has not planned this pipeline yet. */
const AWAIT_PLAN_MS = 1000;

const planSignature = (p: VideoPipeline['status']) =>
  JSON.stringify([
    (p?.plan?.backends ?? []).map((b) => [b.name, b.gpuProduct, b.replicas, b.pipelines]),
    p?.plan?.namespace?.gpus,
  ]);

async function observeLoad(ctx: ReconcileContext, key: string, pipeline: VideoPipeline, targetVps: number) {
  const gen = pipeline.metadata.generation;
  let state = ctx.loadStates.get(key);
  if (!state || state.generation !== gen) {
    // A spec change plans for the spec's target again, and starts a new epoch.
    state = { plannedVps: targetVps, epochStartMs: ctx.clock.nowMs(), generation: gen };
    ctx.loadStates.set(key, state);
  }
  if (!ctx.load) return { rateVps: state.plannedVps, sample: undefined };
  const topics = loadTopics(key, pipeline);
  const perVideo = messagesPerVideo(backlogStages(pipeline));
  const stages = topics.stages.map((s, i) => ({
    ...s,
    messagesPerVideo: perVideo[pipeline.spec.stages[i]!.name] ?? 1,
  }));
  const sample = await ctx.load.observe({ ...topics, stages }).catch((err: Error) => {
    ctx.logger.warn(`observing load of VideoPipeline ${key}: ${err.message}`);
    return undefined;
  });
  if (sample?.latencyError)
    ctx.logger.warn(`reading output records of VideoPipeline ${key}: ${sample.latencyError}`);
  const target = { vps: targetVps, latencySloMs: pipeline.spec.latencySLO?.p99Ms ?? 0 };
  const decision = decide(state, sample, target, ctx.clock.nowMs(), ctx.loadPolicy, state.rolledOut ?? true);
  ctx.loadStates.set(key, { ...decision.state, generation: gen, rolledOut: state.rolledOut });
  if (decision.replan) {
    ctx.logger.info(
      `VideoPipeline ${key}: load ${decision.reason}, re-planning namespace ${pipeline.metadata.namespace ?? 'default'} for ${decision.demandVps} videos/s`,
    );
  }
  return { rateVps: decision.state.plannedVps, sample };
}

async function ensureTopics(
  ctx: ReconcileContext,
  obj: KubeObject,
  pipeline: VideoPipeline,
  file: RuntimeFile | undefined,
): Promise<Check | undefined> {
  if (!file) return undefined;
  try {
    const specs = topicSpecs(pipeline, file);
    const changes = await ctx.topics.ensureTopics(specs);
    for (const c of changes) {
      await ctx.events.record(
        obj,
        'Normal',
        c.action === 'created' ? 'TopicCreated' : 'TopicGrown',
        `${c.topic}: ${c.fromPartitions} → ${c.toPartitions} partitions`,
      );
    }
    return { ok: true, message: `${specs.length} topics, ${specs[0]?.partitions ?? 0} partitions each` };
  } catch (err) {
    return { ok: false, reason: 'KafkaUnavailable', message: (err as Error).message };
  }
}

export async function reconcilePipeline(ctx: ReconcileContext, key: string): Promise<ReconcileResult> {
  const [namespace, name] = key.split('/') as [string, string];
  const fetched = await ctx.api.get(objectPath(PIPELINES, namespace, name));
  if (!fetched || fetched.metadata.deletionTimestamp) {
    if (fetched) {
      const deleted = await finalize(ctx.api, ctx.topics, fetched);
      if (deleted.length > 0) ctx.logger.info(`VideoPipeline ${key}: deleted topics ${deleted.join(', ')}`);
    }
    ctx.loadStates.delete(key);
    ctx.load?.forget(key);
    const { plannedGpus, plannedGpuShare, plannedRate, observedRate } = ctx.metrics;
    for (const m of [plannedGpus, plannedGpuShare, plannedRate, observedRate]) m.remove({ pipeline: key });
    // Its namespace re-packs without it; other namespaces may use the GPUs it frees.
    ctx.enqueueNamespaces([...new Set([namespace, ...ctx.namespacePlans.keys()])]);
    return {};
  }
  const obj = await ensureFinalizer(ctx.api, fetched);
  const pipeline = asVideoPipeline(obj);
  const targetVps = targetVideosPerSecond(pipeline);
  const { rateVps, sample } = await observeLoad(ctx, key, pipeline, targetVps);
  const { planned: found, current } = plannedFor(ctx.namespacePlans.get(namespace), pipeline, rateVps);
  if (!current) ctx.enqueueNamespaces([namespace]);
  if (!found) return { requeueAfterMs: AWAIT_PLAN_MS };
  let planned: Planned = found;
  let desired: DesiredChild[] | undefined;
  let file: RuntimeFile | undefined;
  let generation: number | undefined;
  if (planned.ok) {
    generation = ctx.namespacePlans.get(namespace)?.generations.get(name);
    try {
      // Rendered once: the ConfigMap, the ingest pods' digest and the topics all come from it.
      const sessions = sessionsOf(ctx.caches, namespace);
      file = runtimeFileOf(pipeline, sessions, planned.plan, ctx.render, generation);
      desired = pipelineChildren(pipeline, planned.plan, file, ctx.render);
    } catch (err) {
      const reason = err instanceof FrameStoreNotSharedError ? 'FrameStoreNotShared' : 'InvalidConfig';
      planned = { ok: false, reason, message: (err as Error).message };
      file = undefined;
    }
  }
  const topics = await ensureTopics(ctx, obj, pipeline, file);
  // Before the ingest pods that read it: the API token Secret the operator generates.
  if (desired) {
    await ensureIngestToken(ctx.api, pipeline)
      .then(async (created) => {
        if (created)
          await ctx.events.record(obj, 'Normal', 'IngestTokenCreated', 'generated the ingest API token');
      })
      .catch(async (err: Error) => {
        ctx.logger.warn(`VideoPipeline ${key}: ingest token Secret: ${err.message}`);
        await ctx.events.record(obj, 'Warning', 'IngestTokenUnavailable', err.message);
      });
  }
  if (desired) await applyObjects(ctx.api, desired);
  // The backend groups are the namespace's; their availability is read from the informer.
  const available = planned.ok
    ? planned.plan.backends.map((b) => {
        const deployment = backendName(b.name);
        return availability(ctx.caches.deployments.get(`${namespace}/${deployment}`), deployment, b.replicas);
      })
    : [];
  // Groups short of pods: what their containers said when they could not start.
  const short = available.filter((b) => b.available < b.replicas).map((b) => b.name);
  const failures = await backendStartFailures(ctx.api, namespace, short).catch((err: Error) => {
    ctx.logger.warn(`reading backend pods of VideoPipeline ${key}: ${err.message}`);
    return new Map();
  });
  const backends = available.map((b) => {
    const failure = failures.get(b.name);
    return failure ? { ...b, failure } : b;
  });
  // Videos enter only through the ingest Deployment: Ready counts it too (IngestUnavailable).
  const ingestDeployment = ingestName(name);
  const ingest = planned.ok
    ? availability(
        ctx.caches.deployments.get(`${namespace}/${ingestDeployment}`),
        ingestDeployment,
        planned.plan.ingest.replicas,
      )
    : undefined;
  const rollout = generation !== undefined ? await observeRollout(ctx, key, pipeline, generation) : undefined;
  // Whether the plan's backends all run it: the load policy holds further re-plans until they do.
  const loadState = ctx.loadStates.get(key);
  if (loadState && planned.ok)
    loadState.rolledOut =
      backends.every((b) => b.available >= b.replicas) &&
      (rollout === undefined || rollout.current === rollout.pods);

  const status = pipelineStatus(
    pipeline,
    {
      planned,
      topics,
      backends,
      ...(ingest ? { ingest } : {}),
      load: sample,
      targetVps,
      expectedVps: rateVps,
      loadPolicy: ctx.loadPolicy,
      latencySloMs: pipeline.spec.latencySLO?.p99Ms ?? 0,
      ...(generation !== undefined ? { planGeneration: generation } : {}),
      ...(rollout ? { rollout } : {}),
    },
    new Date(ctx.clock.nowMs()).toISOString(),
  );
  if (!isDeepStrictEqual(status, pipeline.status)) {
    await ctx.api.mergePatch(statusPath(PIPELINES, namespace, name), { status });
    await recordPlanEvents(ctx, obj, pipeline.status, status, planned);
  }
  if (planned.ok) {
    ctx.metrics.plannedGpus.set({ pipeline: key }, planned.plan.gpus);
    ctx.metrics.plannedGpuShare.set({ pipeline: key }, planned.plan.gpuShare);
    ctx.metrics.plannedRate.set({ pipeline: key }, rateVps);
    if (generation !== undefined) ctx.metrics.planGeneration.set({ pipeline: key }, generation);
  }
  if (sample) ctx.metrics.observedRate.set({ pipeline: key }, sample.arrivalVps);
  return { requeueAfterMs: current ? (ctx.load ? ctx.loadPolicy.epochMs : 60_000) : AWAIT_PLAN_MS };
}

/** The plan generation the backend pods declared to the stages' groups; undefined when unknown. */
async function observeRollout(
  ctx: ReconcileContext,
  key: string,
  pipeline: VideoPipeline,
  generation: number,
) {
  if (!ctx.members) return undefined;
  const ns = pipeline.metadata.namespace ?? 'default';
  const groups = pipeline.spec.stages.map((s) => consumerGroupName(ns, pipeline.metadata.name, s.name));
  try {
    return planRollout(await ctx.members(groups), generation);
  } catch (err) {
    ctx.logger.warn(`reading consumer groups of VideoPipeline ${key}: ${(err as Error).message}`);
    return undefined;
  }
}

async function recordPlanEvents(
  ctx: ReconcileContext,
  obj: KubeObject,
  before: VideoPipeline['status'],
  after: VideoPipeline['status'],
  planned: Planned,
) {
  const was = before?.conditions?.find((c) => c.type === 'Planned');
  if (!planned.ok) {
    if (was?.status !== 'False' || was.reason !== planned.reason) {
      await ctx.events.record(obj, 'Warning', planned.reason, planned.message);
    }
    return;
  }
  if (planSignature(before) !== planSignature(after)) {
    const plan = planned.plan;
    const groups = plan.backends
      .map((b) => {
        const others = b.pipelines.filter((p) => p !== obj.metadata.name);
        return `${b.name}×${b.replicas}${others.length > 0 ? ` (shared with ${others.join(', ')})` : ''}`;
      })
      .join(', ');
    const ns = plan.namespace;
    const total =
      ns && ns.pipelines > 1
        ? `; namespace ${ns.namespace}: ${ns.gpus} GPU(s) for ${ns.pipelines} pipelines (alone: ${ns.gpusAlone}; lower bound ${formatDecimal(ns.lowerBoundGpus)})`
        : '';
    await ctx.events.record(
      obj,
      'Normal',
      'Planned',
      `${plan.gpus} GPU(s) of ${plan.gpuProduct}: ${groups}${total}`,
    );
  }
}
