// Plans every VideoPipeline of a set of manifests, in name order; each later pipeline sees the
// GPUs the earlier plans use (usedGpus), as the operator would when pipelines share a cluster.

import type { Condition, VideoPipelineStatusPlan } from '../../contract/crd-types.generated.ts';
import type { Manifests } from '../api/manifests.ts';
import { planStatus } from '../api/status.ts';
import { crossObjectProblem, namespaceOf, targetVideosPerSecond, toPlanRequest } from '../api/to-planner.ts';
import { planPipeline } from '../planner/plan.ts';
import type { GpuNode, PlanOutcome, PlanRequest } from '../planner/types.ts';

export interface PlannedPipeline {
  kind: 'VideoPipeline';
  metadata: { name: string; namespace: string };
  status: { plan?: VideoPipelineStatusPlan; conditions: Condition[] };
}

/** What the table needs beyond the status. */
export interface PlanReport {
  output: PlannedPipeline;
  request: PlanRequest;
  outcome: PlanOutcome | { ok: false; reason: string; message: string };
  targetVps: number;
}

export function planAll(manifests: Manifests, nodes: GpuNode[], nowIso: string): PlanReport[] {
  const pipelines = [...manifests.pipelines].sort(
    (a, b) => a.metadata.name.localeCompare(b.metadata.name) || namespaceOf(a).localeCompare(namespaceOf(b)),
  );
  const usedGpus: Record<string, number> = {};
  return pipelines.map((pipeline) => {
    const request = toPlanRequest(pipeline, manifests.sessions, nodes, usedGpus);
    const problem = crossObjectProblem(pipeline, manifests.sessions);
    const outcome = problem ? { ok: false as const, ...problem } : planPipeline(request);
    if (outcome.ok) {
      for (const b of outcome.plan.backends) {
        usedGpus[b.gpuProduct] = (usedGpus[b.gpuProduct] ?? 0) + b.replicas;
      }
    }
    const status = planStatus(outcome, pipeline.metadata.generation, [], nowIso);
    return {
      output: {
        kind: 'VideoPipeline',
        metadata: { name: pipeline.metadata.name, namespace: namespaceOf(pipeline) },
        status,
      },
      request,
      outcome,
      targetVps: targetVideosPerSecond(pipeline),
    };
  });
}
