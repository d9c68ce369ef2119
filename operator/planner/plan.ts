// The planner's entry points (DESIGN.md "The planner"). Pure and deterministic: the same request
// gives the same plan, byte for byte; infeasible inputs give a reason, never an exception.
// planNamespace (namespace.ts) is what the operator and `vpo plan` use; planPipeline is one
// pipeline as a namespace of its own (the embedded mode); planPipelines packs a set of pipelines
// into ONE plan, for benchmarks that compare packers.
import type { GpuGroup } from './backends.ts';
import { groupGpus, toBackendGroup, toStagePlans } from './backends.ts';
import { explain } from './explain.ts';
import { planIngest } from './ingest.ts';
import { availableByProduct } from './inventory.ts';
import { planNamespace } from './namespace.ts';
import type { PipelineInput, ProductOptions, ProductPlan } from './plan-product.ts';
import { planOnProduct } from './plan-product.ts';
import { byName, productCandidates } from './product-choice.ts';
import { analyseGraph } from './rates.ts';
import type { GpuNode, Plan, PlannerPipeline, PlannerSession, PlanOutcome, PlanRequest } from './types.ts';

export { planNamespace };

export interface MultiPlanRequest {
  /** Planned together: residuals of all pipelines share GPUs. Placement is the first one's. */
  pipelines: PlannerPipeline[];
  sessions: PlannerSession[];
  nodes: GpuNode[];
  usedGpus?: Record<string, number>;
}

type OkProductPlan = Extract<ProductPlan, { ok: true }>;

/** Plans one pipeline: per-stage budgets, batches, replicas and GPU packing on the best product. */
export function planPipeline(request: PlanRequest, options: ProductOptions = {}): PlanOutcome {
  const { pipeline, sessions, nodes, usedGpus } = request;
  const planned = planNamespace(
    {
      namespace: pipeline.namespace,
      pipelines: [pipeline],
      sessions,
      nodes,
      ...(usedGpus ? { usedGpus } : {}),
    },
    options,
  );
  return planned.pipelines[0]!.outcome;
}

function toPlan(chosen: OkProductPlan, others: string[]): Plan {
  const groups: GpuGroup[] = groupGpus(chosen.gpus);
  const multi = chosen.pipelines.length > 1;
  const stages = chosen.pipelines.flatMap((p) =>
    toStagePlans(p.tasks, groups).map((s) => (multi ? { ...s, name: `${p.pipeline.name}/${s.name}` } : s)),
  );
  const gpus = chosen.gpus.length;
  return {
    gpus,
    gpuShare: gpus,
    gpusAlone: chosen.pipelines.reduce(
      (n, p) => n + p.alone.saturatedGpus.length + p.alone.packedGpus.length,
      0,
    ),
    gpuProduct: chosen.product,
    lowerBoundGpus: chosen.lowerBoundGpus,
    stages,
    backends: groups.map((g, i) => toBackendGroup(g, `shared-b${i}`, chosen.product)),
    sharedWith: [],
    ingest: planIngest(chosen.pipelines.map((p) => p.pipeline)),
    explanation: explain(chosen, others),
  };
}

/**
 * Packs several pipelines into one plan on ONE product (the first pipeline's placement), as a
 * baseline for benchmarks: each is split and saturated on its own, then all residuals are packed
 * together. Stage names in the result are `${pipeline}/${stage}` (with several); backends are `shared-b${i}`.
 */
export function planPipelines(request: MultiPlanRequest, options: ProductOptions = {}): PlanOutcome {
  try {
    return planTogether(request, options);
  } catch (err) {
    const message = `malformed planner input: ${err instanceof Error ? err.message : String(err)}`;
    return { ok: false, reason: 'Infeasible', message };
  }
}

function planTogether(request: MultiPlanRequest, options: ProductOptions): PlanOutcome {
  const first = request.pipelines[0];
  if (!first) return { ok: false, reason: 'Infeasible', message: 'nothing to plan' };
  const sessions = new Map(request.sessions.map((s) => [s.name, s]));
  const inputs: PipelineInput[] = [];
  let common: string[] | undefined;
  for (const pipeline of request.pipelines) {
    const graph = analyseGraph(pipeline);
    if (!graph.ok) return { ok: false, reason: graph.reason, message: graph.message };
    inputs.push({ pipeline, graph: graph.graph });
    const c = productCandidates(
      { ...request, pipeline: { ...pipeline, ...placementOf(first) }, sessions },
      options,
    );
    if (!c.ok) return c;
    const products = [...c.candidates.map((x) => x.product), ...c.pending.map((x) => x.product)];
    common = common ? common.filter((p) => products.includes(p)) : products;
  }
  const inventory = availableByProduct(
    request.nodes,
    first.nodeSelector,
    first.gpuProducts,
    request.usedGpus,
  );
  const results = (common ?? []).map((product) =>
    planOnProduct(inputs, sessions, product, inventory.get(product)?.gpuMemoryMiB ?? Infinity, options),
  );
  const feasible = results.filter((r): r is OkProductPlan => r.ok);
  if (feasible.length === 0) {
    const why = results.map((r) => (r.ok ? '' : `on ${r.product}: ${r.message}`)).join('; ');
    return { ok: false, reason: 'Infeasible', message: why || 'no product suits every pipeline' };
  }
  const allow = first.gpuProducts;
  const rank = (p: string) => (allow.includes(p) ? allow.indexOf(p) : allow.length);
  feasible.sort(
    (a, b) =>
      a.gpus.length - b.gpus.length || rank(a.product) - rank(b.product) || byName(a.product, b.product),
  );
  const available = (r: OkProductPlan) => inventory.get(r.product)?.availableGpus ?? 0;
  const summary = (r: OkProductPlan) =>
    `${r.product} needs ${r.gpus.length} GPU(s), ${available(r)} available`;
  const fits = feasible.find((r) => r.gpus.length <= available(r));
  const chosen = fits ?? feasible[0]!;
  const plan = toPlan(chosen, feasible.filter((r) => r !== chosen).map(summary));
  if (fits) return { ok: true, plan };
  return {
    ok: false,
    reason: 'InsufficientGPUs',
    message: `not enough GPUs: ${feasible.map(summary).join('; ')}`,
    plan,
  };
}

const placementOf = (p: PlannerPipeline) => ({ nodeSelector: p.nodeSelector, gpuProducts: p.gpuProducts });
