// The planning step of a pipeline reconcile (pure): sessions and nodes from the caches, GPUs of
// other pipelines' plans subtracted, the load-driven rate when load moved the plan, and stable
// backend group names. No await happens between reading other plans and recording this one, so
// concurrent reconciles never hand out the same GPUs twice.

import type { PlannedReason } from '../../contract/condition-reasons.ts';
import type { ModelSession, VideoPipeline } from '../../contract/crd-types.generated.ts';
import { isModelSession } from '../api/objects.ts';
import {
  crossObjectProblem,
  inventoryFromNodes,
  targetVideosPerSecond,
  toPlanRequest,
} from '../api/to-planner.ts';
import { planPipeline } from '../planner/plan.ts';
import type { Plan } from '../planner/types.ts';
import type { Caches, PlannedUse } from './context.ts';

export type Planned = { ok: true; plan: Plan } | { ok: false; reason: PlannedReason; message: string };

export function sessionsOf(caches: Caches, namespace: string): ModelSession[] {
  return [...caches.sessions.values()]
    .filter((s) => (s.metadata.namespace ?? 'default') === namespace)
    .filter(isModelSession)
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
}

/** GPUs per product used by every pipeline's plan but `key`'s. */
export function usedGpus(
  caches: Caches,
  plans: ReadonlyMap<string, PlannedUse>,
  key: string,
): Record<string, number> {
  const used: Record<string, number> = {};
  const keys = new Set([...plans.keys(), ...caches.pipelines.keys()]);
  for (const k of keys) {
    if (k === key) continue;
    const fromStatus = (caches.pipelines.get(k)?.status as VideoPipeline['status'])?.plan;
    const use =
      plans.get(k) ??
      (fromStatus?.gpuProduct
        ? { gpuProduct: fromStatus.gpuProduct, gpus: fromStatus.gpus ?? 0 }
        : undefined);
    if (!use || !caches.pipelines.has(k)) continue;
    used[use.gpuProduct] = (used[use.gpuProduct] ?? 0) + use.gpus;
  }
  return used;
}

export function planFor(
  pipeline: VideoPipeline,
  key: string,
  caches: Caches,
  plans: ReadonlyMap<string, PlannedUse>,
  rateVps: number,
): Planned {
  const namespace = pipeline.metadata.namespace ?? 'default';
  const sessions = sessionsOf(caches, namespace);
  try {
    const problem = crossObjectProblem(pipeline, sessions);
    if (problem) return { ok: false, ...problem };
    const request = toPlanRequest(
      pipeline,
      sessions,
      inventoryFromNodes([...caches.nodes.values()]),
      usedGpus(caches, plans, key),
    );
    const outcome = planPipeline({ ...request, pipeline: { ...request.pipeline, videosPerSecond: rateVps } });
    if (!outcome.ok) return { ok: false, reason: outcome.reason, message: outcome.message };
    return { ok: true, plan: outcome.plan };
  } catch (err) {
    return { ok: false, reason: 'InvalidSpec', message: (err as Error).message };
  }
}

export { targetVideosPerSecond };
