// Plans manifests exactly as `vpo plan` does (planAll: the same entry point, so joint planning
// reaches the simulator with it) and runs the feasible plans together in one simulated cluster.
import type { Manifests } from '../operator/api/manifests.ts';
import { type PlannedPipeline as PlanOutput, type PlanReport, planAll } from '../operator/cli/plan-all.ts';
import {
  type BackendGroupPlan,
  DEFAULT_PLAN_FOR,
  type GpuNode,
  type PlanFor,
  type PlanOutcome,
} from '../operator/planner/types.ts';

type PlanOk = Extract<PlanOutcome, { ok: true }>;

import { type SimOptions, simulate } from './engine.ts';
import { buildModel, type PlannedUnit } from './model.ts';
import type { PipelineSimulation } from './results.ts';

export interface SimulatedPipeline {
  /** `vpo plan -o json`'s object plus the simulation (null when there was no plan to run). */
  output: PlanOutput & { simulation: PipelineSimulation | null };
  sloMs: number;
}

/**
 * One simulated unit per namespace, as the operator runs it: its pipelines (with a plan) and the
 * namespace's backend groups, each group's pods hosting the sessions of every pipeline it serves.
 */
function namespaceUnit(reports: PlanReport[], backends: BackendGroupPlan[]): PlannedUnit {
  const planned = reports.map((r) => ({ pipeline: r.request.pipeline, plan: (r.outcome as PlanOk).plan }));
  const sessions = [...new Map(reports.flatMap((r) => r.request.sessions).map((s) => [s.name, s])).values()];
  if (planned.length === 1) return { pipelines: [planned[0]!.pipeline], plan: planned[0]!.plan, sessions };
  const names = new Set(planned.map((p) => p.pipeline.name));
  return {
    pipelines: planned.map((p) => p.pipeline),
    plan: {
      ...planned[0]!.plan,
      stages: planned.flatMap((p) =>
        p.plan.stages.map((s) => ({ ...s, name: `${p.pipeline.name}/${s.name}` })),
      ),
      backends: backends.filter((b) => b.pipelines.some((n) => names.has(n))),
    },
    sessions,
  };
}

export function simulateAll(
  manifests: Manifests,
  nodes: GpuNode[],
  nowIso: string,
  options: SimOptions,
  planFor: PlanFor = DEFAULT_PLAN_FOR,
): SimulatedPipeline[] {
  const { reports, namespaces } = planAll(manifests, nodes, nowIso, planFor);
  const units: PlannedUnit[] = [];
  /** Report index → the simulated pipeline's index (units' pipelines in order). */
  const index = new Map<number, number>();
  let next = 0;
  for (const ns of namespaces) {
    const mine = reports.flatMap((r, i) =>
      r.outcome.ok && r.request.pipeline.namespace === ns.namespace ? [{ r, i }] : [],
    );
    if (mine.length === 0) continue;
    for (const { i } of mine) index.set(i, next++);
    units.push(
      namespaceUnit(
        mine.map((m) => m.r),
        ns.backends,
      ),
    );
  }
  const result = simulate(buildModel(units), options);
  return reports.map((r, i) => {
    const at = index.get(i);
    return {
      output: { ...r.output, simulation: at === undefined ? null : result.pipelines[at]! },
      sloMs: r.request.pipeline.sloMs,
    };
  });
}
