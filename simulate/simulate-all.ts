// Plans manifests exactly as `vpo plan` does (planAll: the same entry point, so joint planning
// reaches the simulator with it) and runs the feasible plans together in one simulated cluster.
import type { Manifests } from '../operator/api/manifests.ts';
import { type PlannedPipeline as PlanOutput, planAll } from '../operator/cli/plan-all.ts';
import type { GpuNode } from '../operator/planner/types.ts';
import { type SimOptions, simulate } from './engine.ts';
import { buildModel, type PlannedUnit } from './model.ts';
import type { PipelineSimulation } from './results.ts';

export interface SimulatedPipeline {
  /** `vpo plan -o json`'s object plus the simulation (null when there was no plan to run). */
  output: PlanOutput & { simulation: PipelineSimulation | null };
  sloMs: number;
}

export function simulateAll(
  manifests: Manifests,
  nodes: GpuNode[],
  nowIso: string,
  options: SimOptions,
): SimulatedPipeline[] {
  const reports = planAll(manifests, nodes, nowIso);
  const planned: PlannedUnit[] = [];
  const index = new Map<number, number>();
  reports.forEach((r, i) => {
    if (!r.outcome.ok) return;
    index.set(i, planned.length);
    planned.push({ pipelines: [r.request.pipeline], plan: r.outcome.plan, sessions: r.request.sessions });
  });
  const result = simulate(buildModel(planned), options);
  return reports.map((r, i) => {
    const at = index.get(i);
    return {
      output: { ...r.output, simulation: at === undefined ? null : result.pipelines[at]! },
      sloMs: r.request.pipeline.sloMs,
    };
  });
}
