// Plans every VideoPipeline of a set of manifests as the operator would: the pipelines of each
// namespace together (their residuals share GPUs), namespaces in name order, each later one
// seeing the GPUs the earlier namespaces' plans use (usedGpus).

import type { PlannedReason } from '../../contract/condition-reasons.ts';
import type {
  Condition,
  VideoPipeline,
  VideoPipelineStatusPlan,
} from '../../contract/crd-types.generated.ts';
import type { Manifests } from '../api/manifests.ts';
import { planStatus } from '../api/status.ts';
import {
  crossObjectProblem,
  namespaceOf,
  targetVideosPerSecond,
  toPlannerSession,
  toPlanRequest,
} from '../api/to-planner.ts';
import { planNamespace } from '../planner/namespace.ts';
import {
  DEFAULT_PLAN_FOR,
  type GpuNode,
  type NamespacePlan,
  type PlanFor,
  type PlanOutcome,
  type PlanRequest,
} from '../planner/types.ts';

export interface PlannedPipeline {
  kind: 'VideoPipeline';
  metadata: { name: string; namespace: string };
  status: { plan?: VideoPipelineStatusPlan; conditions: Condition[] };
}

/** What the table needs beyond the status. */
export interface PlanReport {
  output: PlannedPipeline;
  request: PlanRequest;
  outcome: PlanOutcome | { ok: false; reason: PlannedReason; message: string };
  targetVps: number;
}

export interface PlanAll {
  /** One per pipeline, by namespace then name. */
  reports: PlanReport[];
  /** One per namespace, by name. */
  namespaces: NamespacePlan[];
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function planAll(
  manifests: Manifests,
  nodes: GpuNode[],
  nowIso: string,
  planFor: PlanFor = DEFAULT_PLAN_FOR,
): PlanAll {
  const namespaces = [...new Set(manifests.pipelines.map(namespaceOf))].sort(byName);
  const usedGpus: Record<string, number> = {};
  const reports: PlanReport[] = [];
  const plans: NamespacePlan[] = [];
  for (const namespace of namespaces) {
    const pipelines = manifests.pipelines
      .filter((p) => namespaceOf(p) === namespace)
      .sort((a, b) => byName(a.metadata.name, b.metadata.name));
    const sessions = manifests.sessions.filter((s) => namespaceOf(s) === namespace);
    const requests = new Map(
      pipelines.map((p) => {
        const request = toPlanRequest(p, sessions, nodes, usedGpus);
        return [p.metadata.name, { ...request, pipeline: { ...request.pipeline, arrivals: planFor } }];
      }),
    );
    const problems = new Map(pipelines.map((p) => [p.metadata.name, crossObjectProblem(p, sessions)]));
    const planned = planNamespace({
      namespace,
      pipelines: pipelines
        .filter((p) => !problems.get(p.metadata.name))
        .map((p) => requests.get(p.metadata.name)!.pipeline),
      sessions: sessions.map(toPlannerSession),
      nodes,
      usedGpus: { ...usedGpus },
    });
    plans.push(planned);
    for (const b of planned.backends) usedGpus[b.gpuProduct] = (usedGpus[b.gpuProduct] ?? 0) + b.replicas;
    const outcomes = new Map(planned.pipelines.map((p) => [p.name, p.outcome]));
    for (const pipeline of pipelines) {
      const name = pipeline.metadata.name;
      const problem = problems.get(name);
      const outcome = problem ? { ok: false as const, ...problem } : outcomes.get(name)!;
      reports.push(report(pipeline, requests.get(name)!, outcome, nowIso));
    }
  }
  return { reports, namespaces: plans };
}

function report(
  pipeline: VideoPipeline,
  request: PlanRequest,
  outcome: PlanReport['outcome'],
  nowIso: string,
): PlanReport {
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
}
