// Reconciles the plan of one namespace by key (a queue entry per namespace): all its pipelines are
// planned together (namespace-plan.ts, pure), the backend groups applied — one ConfigMap with the
// runtime file and one Deployment per group, owned by every pipeline the group serves — and the
// groups the plan no longer has deleted after (grow first, shrink last). Each pipeline's status is
// written by its own reconcile, which reads its part of this plan: the namespace's pipelines are
// enqueued after every round.
import { planToStatus } from '../api/status.ts';
import { targetVideosPerSecond } from '../api/to-planner.ts';
import { namespaceBackends } from '../render/backend-group.ts';
import { STRUCTURE_ANNOTATION } from '../render/deployments.ts';
import { backendName } from '../render/names.ts';

type DeploymentSpec = { template?: { metadata?: { annotations?: Record<string, string> } } };

import { applyObjects, deleteStaleBackends } from './children.ts';
import type { ReconcileContext, ReconcileResult } from './context.ts';
import { otherNamespacesGpus, planNamespaceRound } from './namespace-plan.ts';
import { planGeneration } from './plan-generation.ts';

/** Level-based resync of a namespace's plan when nothing else asks for one. */
const RESYNC_MS = 60_000;

export async function reconcileNamespace(ctx: ReconcileContext, namespace: string): Promise<ReconcileResult> {
  const before = ctx.namespacePlans.get(namespace);
  const round = planNamespaceRound({
    namespace,
    caches: ctx.caches,
    rateOf: (key, pipeline) => {
      const load = ctx.loadStates.get(key);
      return load && load.generation === pipeline.metadata.generation
        ? load.plannedVps
        : targetVideosPerSecond(pipeline);
    },
    previous: before,
    usedGpus: otherNamespacesGpus(ctx.caches, ctx.namespacePlans, namespace),
    storage: ctx.render,
    ...(ctx.planFor ? { planFor: ctx.planFor } : {}),
  });
  if (round.pipelines.length === 0) {
    ctx.namespacePlans.delete(namespace);
    ctx.metrics.plannedNamespaceGpus.remove({ namespace });
    const removed = await deleteStaleBackends(ctx.api, namespace, new Set());
    for (const r of removed) ctx.logger.info(`namespace ${namespace}: deleted backend group ${r.name}`);
    return {};
  }
  const byName = new Map(round.pipelines.map((p) => [p.metadata.name, p]));
  // Each pipeline's generation moves when its plan's settings do (against what its status says).
  const hosted = round.plan.pipelines.flatMap(({ name, outcome }) => {
    if (!outcome.ok) return [];
    const pipeline = byName.get(name)!;
    const generation = planGeneration(pipeline.status?.plan, planToStatus(outcome.plan));
    return [{ pipeline, plan: outcome.plan, generation }];
  });
  const state = {
    plan: round.plan,
    outcomes: round.outcomes,
    inputs: round.inputs,
    held: round.held,
    usedGpus: round.usedGpus,
    generations: new Map(hosted.map((h) => [h.pipeline.metadata.name, h.generation])),
  };
  ctx.namespacePlans.set(namespace, state);
  // What the groups' pods were built from: a pipeline leaving a group does not roll them.
  const previousStructure = (deployment: string) => {
    const template = (
      ctx.caches.deployments.get(`${namespace}/${deployment}`)?.spec as DeploymentSpec | undefined
    )?.template;
    return template?.metadata?.annotations?.[STRUCTURE_ANNOTATION];
  };
  const { objects, groups } = namespaceBackends(
    round.plan.backends,
    hosted,
    round.sessions,
    ctx.render,
    previousStructure,
  );
  await applyObjects(ctx.api, objects);
  const keep = new Set([...groups, ...round.held.map((g) => backendName(g.name))]);
  const removed = await deleteStaleBackends(ctx.api, namespace, keep);
  for (const r of removed) {
    for (const name of r.pipelines) {
      const owner = byName.get(name);
      if (owner) await ctx.events.record(owner, 'Normal', 'BackendRemoved', `deleted Deployment ${r.name}`);
    }
  }
  const gpus = Object.values(round.usedGpus).reduce((a, b) => a + b, 0);
  ctx.metrics.plannedNamespaceGpus.set({ namespace }, gpus);
  const t = round.plan.totals;
  if (!before || JSON.stringify(before.plan.totals) !== JSON.stringify(t)) {
    ctx.logger.info(`namespace ${namespace}: ${round.plan.explanation}`);
  }
  ctx.enqueuePipelines(round.pipelines.map((p) => `${namespace}/${p.metadata.name}`));
  return { requeueAfterMs: RESYNC_MS };
}
