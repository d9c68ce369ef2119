// The planner's entry points (DESIGN.md "The planner"). Pure and deterministic: the same request
// gives the same plan, byte for byte; infeasible inputs give a reason, never an exception.
import type { GpuGroup } from './backends.ts';
import { groupGpus, toBackendGroups, toStagePlans } from './backends.ts';
import { explain } from './explain.ts';
import { planIngest } from './ingest.ts';
import { availableByProduct } from './inventory.ts';
import type { PipelineInput, ProductOptions, ProductPlan } from './plan-product.ts';
import { planOnProduct } from './plan-product.ts';
import { analyseGraph } from './rates.ts';
import type { GpuNode, Plan, PlannerPipeline, PlannerSession, PlanOutcome, PlanRequest } from './types.ts';

export interface MultiPlanRequest {
  /** Planned together: residuals of all pipelines share GPUs. Placement is the first one's. */
  pipelines: PlannerPipeline[];
  sessions: PlannerSession[];
  nodes: GpuNode[];
  usedGpus?: Record<string, number>;
}

type OkProductPlan = Extract<ProductPlan, { ok: true }>;

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function toPlan(chosen: OkProductPlan, namePrefix: string, multi: boolean, others: string[]): Plan {
  const groups: GpuGroup[] = groupGpus(chosen.gpus);
  const stages = chosen.pipelines.flatMap((p) =>
    toStagePlans(p.tasks, groups).map((s) => (multi ? { ...s, name: `${p.pipeline.name}/${s.name}` } : s)),
  );
  return {
    gpus: chosen.gpus.length,
    gpuProduct: chosen.product,
    lowerBoundGpus: chosen.lowerBoundGpus,
    stages,
    backends: toBackendGroups(groups, namePrefix, chosen.product),
    ingest: planIngest(chosen.pipelines.map((p) => p.pipeline)),
    explanation: explain(chosen, others),
  };
}

function plan(request: MultiPlanRequest, namePrefix: string, options: ProductOptions): PlanOutcome {
  try {
    return planChecked(request, namePrefix, options);
  } catch (err) {
    // Malformed input that slipped past the adapters must still come back as a reason.
    const message = `malformed planner input: ${err instanceof Error ? err.message : String(err)}`;
    return { ok: false, reason: 'Infeasible', message };
  }
}

function planChecked(request: MultiPlanRequest, namePrefix: string, options: ProductOptions): PlanOutcome {
  const sessions = new Map(request.sessions.map((s) => [s.name, s]));
  const inputs: PipelineInput[] = [];
  for (const pipeline of request.pipelines) {
    for (const stage of pipeline.stages) {
      if (!sessions.has(stage.session)) {
        const message = `stage ${stage.name} of ${pipeline.name} references missing ModelSession ${stage.session}`;
        return { ok: false, reason: 'MissingSession', message };
      }
    }
    const graph = analyseGraph(pipeline);
    if (!graph.ok) return { ok: false, reason: graph.reason, message: graph.message };
    inputs.push({ pipeline, graph: graph.graph });
  }
  const first = request.pipelines[0];
  if (!first) return { ok: false, reason: 'Infeasible', message: 'nothing to plan' };
  const allowList = first.gpuProducts;
  const inventory = availableByProduct(request.nodes, first.nodeSelector, allowList, request.usedGpus);
  const used = [...new Set(request.pipelines.flatMap((p) => p.stages.map((s) => s.session)))].sort(byName);
  const profiled = (session: string) => new Set(sessions.get(session)!.profiles.map((p) => p.gpuProduct));
  // Products to try: the allow-list; else what the matching nodes offer; else (no nodes) every
  // product all sessions are profiled on, so the plan can say how many GPUs it would need.
  let candidates = allowList.length > 0 ? [...allowList] : [...inventory.keys()];
  if (candidates.length === 0 && used.length > 0) {
    candidates = [...profiled(used[0]!)].filter((p) => used.every((s) => profiled(s).has(p))).sort(byName);
  }
  for (const s of used) {
    if (!candidates.some((p) => profiled(s).has(p))) {
      const message = `ModelSession ${s} has no profile for ${candidates.length > 0 ? `any of ${candidates.join(', ')}` : 'any GPU product'}`;
      return { ok: false, reason: 'MissingProfile', message };
    }
  }
  const common = candidates.filter((p) => used.every((s) => profiled(s).has(p)));
  if (common.length === 0) {
    const message = `no GPU product among ${candidates.join(', ')} has profiles for all of ${used.join(', ')}`;
    return { ok: false, reason: 'MissingProfile', message };
  }
  const results = common.map((product) =>
    planOnProduct(inputs, sessions, product, inventory.get(product)?.gpuMemoryMiB ?? Infinity, options),
  );
  const feasible = results.filter((r): r is OkProductPlan => r.ok);
  if (feasible.length === 0) {
    const why = results.map((r) => (r.ok ? '' : `on ${r.product}: ${r.message}`)).join('; ');
    return { ok: false, reason: 'Infeasible', message: why };
  }
  const rank = (p: string) => (allowList.includes(p) ? allowList.indexOf(p) : allowList.length);
  feasible.sort(
    (a, b) =>
      a.gpus.length - b.gpus.length || rank(a.product) - rank(b.product) || byName(a.product, b.product),
  );
  const available = (r: OkProductPlan) => inventory.get(r.product)?.availableGpus ?? 0;
  const summary = (r: OkProductPlan) =>
    `${r.product} needs ${r.gpus.length} GPU(s), ${available(r)} available`;
  const fits = feasible.find((r) => r.gpus.length <= available(r));
  const chosen = fits ?? feasible[0]!;
  const others = feasible.filter((r) => r !== chosen).map(summary);
  const result = toPlan(chosen, namePrefix, request.pipelines.length > 1, others);
  if (fits) return { ok: true, plan: result };
  const message = `not enough GPUs: ${feasible.map(summary).join('; ')}`;
  return { ok: false, reason: 'InsufficientGPUs', message, plan: result };
}

/** Plans one pipeline: per-stage budgets, batches, replicas and GPU packing on the best product. */
export function planPipeline(request: PlanRequest): PlanOutcome {
  const { pipeline, ...rest } = request;
  return plan({ ...rest, pipelines: [pipeline] }, pipeline.name, {});
}

/**
 * Plans several pipelines onto shared GPUs: each is split and saturated on its own, then all
 * residuals are packed together, as Nexus packs sessions of many applications. Stage names in the
 * result are `${pipeline}/${stage}`; backends are `shared-b${i}`. Placement follows the first
 * pipeline. `options.evenSplit` is the baseline used by benchmarks.
 */
export function planPipelines(request: MultiPlanRequest, options: ProductOptions = {}): PlanOutcome {
  return plan(request, 'shared', options);
}
