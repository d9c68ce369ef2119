// Reconciles one VideoPipeline by key: fetch → finalizer → load → plan (pure) → desired objects
// (pure) → topics and server-side apply → one status patch → requeue. Level-based: the key is all
// it gets; everything else is read from the world.

import { isDeepStrictEqual } from 'node:util';
import type { VideoPipeline } from '../../contract/crd-types.generated.ts';
import { asVideoPipeline } from '../api/objects.ts';
import { objectPath, PIPELINES, statusPath } from '../kube/paths.ts';
import type { KubeObject } from '../kube/types.ts';
import { backlogStages, messagesPerVideo } from '../load/backlog.ts';
import { decide } from '../load/policy.ts';
import { desiredChildren, FrameStoreNotSharedError } from '../render/desired.ts';
import { applyChildren } from './children.ts';
import type { ReconcileContext, ReconcileResult } from './context.ts';
import { ensureFinalizer, finalize } from './finalizer.ts';
import { type Planned, planFor, sessionsOf, targetVideosPerSecond } from './pipeline-plan.ts';
import { type Check, pipelineStatus } from './pipeline-status.ts';
import { loadTopics, topicSpecs } from './topics.ts';

const planSignature = (p: VideoPipeline['status']) =>
  JSON.stringify((p?.plan?.backends ?? []).map((b) => [b.name, b.gpuProduct, b.replicas]));

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
      `VideoPipeline ${key}: load ${decision.reason}, re-planning for ${decision.demandVps} videos/s`,
    );
  }
  return { rateVps: decision.state.plannedVps, sample };
}

async function ensureTopics(
  ctx: ReconcileContext,
  obj: KubeObject,
  pipeline: VideoPipeline,
  planned: Planned,
): Promise<Check | undefined> {
  if (!planned.ok) return undefined;
  try {
    const specs = topicSpecs(
      pipeline,
      sessionsOf(ctx.caches, pipeline.metadata.namespace ?? 'default'),
      planned.plan,
    );
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
  if (!fetched) {
    ctx.plans.delete(key);
    ctx.loadStates.delete(key);
    ctx.load?.forget(key);
    return {};
  }
  if (fetched.metadata.deletionTimestamp) {
    const deleted = await finalize(ctx.api, ctx.topics, fetched);
    if (deleted.length > 0) ctx.logger.info(`VideoPipeline ${key}: deleted topics ${deleted.join(', ')}`);
    ctx.plans.delete(key);
    ctx.enqueuePipelines([...ctx.caches.pipelines.keys()].filter((k) => k !== key));
    return {};
  }
  const obj = await ensureFinalizer(ctx.api, fetched);
  const pipeline = asVideoPipeline(obj);
  const targetVps = targetVideosPerSecond(pipeline);
  const { rateVps, sample } = await observeLoad(ctx, key, pipeline, targetVps);

  let planned = planFor(pipeline, key, ctx.caches, ctx.plans, rateVps);
  let desired: ReturnType<typeof desiredChildren> | undefined;
  if (planned.ok) {
    ctx.plans.set(key, { gpuProduct: planned.plan.gpuProduct, gpus: planned.plan.gpus });
    try {
      desired = desiredChildren(pipeline, sessionsOf(ctx.caches, namespace), planned.plan, ctx.render);
    } catch (err) {
      const reason = err instanceof FrameStoreNotSharedError ? 'FrameStoreNotShared' : 'InvalidConfig';
      planned = { ok: false, reason, message: (err as Error).message };
    }
  }
  const topics = await ensureTopics(ctx, obj, pipeline, planned);
  const applied = desired
    ? await applyChildren(ctx.api, namespace, obj.metadata.uid ?? '', desired.objects, desired.backendNames)
    : { backends: [], ingest: undefined, deleted: [] };
  for (const d of applied.deleted)
    await ctx.events.record(obj, 'Normal', 'BackendRemoved', `deleted Deployment ${d}`);
  // Whether the plan's backends all run: the load policy holds further re-plans until they do.
  const loadState = ctx.loadStates.get(key);
  if (loadState && desired) loadState.rolledOut = applied.backends.every((b) => b.available >= b.replicas);

  const status = pipelineStatus(
    pipeline,
    {
      planned,
      topics,
      backends: applied.backends,
      ...(applied.ingest ? { ingest: applied.ingest } : {}),
      load: sample,
      targetVps,
      expectedVps: rateVps,
      loadPolicy: ctx.loadPolicy,
      latencySloMs: pipeline.spec.latencySLO?.p99Ms ?? 0,
    },
    new Date(ctx.clock.nowMs()).toISOString(),
  );
  if (!isDeepStrictEqual(status, pipeline.status)) {
    await ctx.api.mergePatch(statusPath(PIPELINES, namespace, name), { status });
    await recordPlanEvents(ctx, obj, pipeline.status, status, planned);
  }
  if (planned.ok) {
    ctx.metrics.plannedGpus.set({ pipeline: key }, planned.plan.gpus);
    ctx.metrics.plannedRate.set({ pipeline: key }, rateVps);
  }
  if (sample) ctx.metrics.observedRate.set({ pipeline: key }, sample.arrivalVps);
  return { requeueAfterMs: ctx.load ? ctx.loadPolicy.epochMs : 60_000 };
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
    const groups = planned.plan.backends.map((b) => `${b.name}×${b.replicas}`).join(', ');
    await ctx.events.record(
      obj,
      'Normal',
      'Planned',
      `${planned.plan.gpus} GPU(s) of ${planned.plan.gpuProduct}: ${groups}`,
    );
  }
}
