// One pipeline's plan out of its pool's named groups (namespace.ts): its stages with their GPU
// shares, the groups hosting its stages (with every session they host, of any pipeline), what it
// shares with whom, and an explanation a person can check by hand.
import type { GpuGroup } from './backends.ts';
import { groupGpus, toBackendGroup, toStagePlans } from './backends.ts';
import { f2, packingSentences, pipelineSentences } from './explain.ts';
import { planIngestFor } from './ingest.ts';
import type { PreparedPipeline } from './plan-product.ts';
import type { PlannedGpu } from './saturate.ts';
import type { BackendGroupPlan, NamespaceTotals, Plan } from './types.ts';

export interface NamedGroup {
  group: GpuGroup;
  plan: BackendGroupPlan;
}

export interface ViewContext {
  product: string;
  gpuMemoryMiB: number;
  /** The groups hosting this pipeline's stages (groupsByPipeline). */
  mine: NamedGroup[];
  /** Hosted-GPU lines of the pool, shown when the pool is this pipeline alone. */
  hosted: string[];
  /** Whether the pool is this pipeline alone. */
  alonePool: boolean;
  /** Other products this pipeline could use, one summary each. */
  others: string[];
  totals?: NamespaceTotals;
  /** One sentence on the namespace's packing (kept groups, re-pack), when it has several pipelines. */
  namespaceNote?: string;
}

const expand = (groups: NamedGroup[]): PlannedGpu[] =>
  groups.flatMap(({ group }) => Array.from({ length: group.replicas }, () => group.gpu));

function sharingSentence(name: string, mine: NamedGroup[]): string | undefined {
  const shared = mine.filter((g) => g.plan.pipelines.length > 1);
  if (shared.length === 0) return undefined;
  const list = shared.map(
    (g) =>
      `${g.plan.name} with ${g.plan.pipelines.filter((p) => p !== name).join(', ')} (occupancy ${f2(g.plan.occupancy)})`,
  );
  return `Its residuals share ${shared.length} backend group(s) with other pipelines of the namespace: ${list.join('; ')}.`;
}

export function pipelineView(p: PreparedPipeline, ctx: ViewContext, aloneGpus: number): Plan {
  const name = p.pipeline.name;
  const { mine } = ctx;
  const stages = toStagePlans(
    p.tasks,
    mine.map((g) => g.group),
  );
  const gpus = mine.reduce((n, g) => n + g.group.replicas, 0);
  const gpuShare = stages.reduce((s, st) => s + st.gpuShare, 0);
  const sharedWith = [...new Set(mine.flatMap((g) => g.plan.pipelines))].filter((x) => x !== name).sort();
  const parts = [
    ...pipelineSentences(p, expand(mine)),
    ...packingSentences(expand(mine), ctx.alonePool ? ctx.hosted : [], ctx.gpuMemoryMiB),
  ];
  const sharing = sharingSentence(name, mine);
  if (sharing) parts.push(sharing);
  const choice = ctx.others.length > 0 ? ` Other products: ${ctx.others.join('; ')}.` : '';
  const share =
    sharedWith.length > 0
      ? ` shared with other pipelines, its share ${f2(gpuShare)} (alone it would need ${aloneGpus}),`
      : '';
  parts.push(
    `On ${ctx.product}: ${gpus} GPU(s)${share} against a lower bound of ${f2(p.split.lowerBoundGpus)} (Σ rate / best throughput within budget).${choice}`,
  );
  const t = ctx.totals;
  if (t && t.pipelines > 1) {
    parts.push(
      `Namespace ${t.namespace}: ${t.pipelines} pipelines on ${t.gpus} GPU(s) shared (alone: ${t.gpusAlone} GPUs; lower bound ${f2(t.lowerBoundGpus)}).${ctx.namespaceNote ? ` ${ctx.namespaceNote}` : ''}`,
    );
  }
  return {
    gpus,
    gpuShare,
    gpusAlone: aloneGpus,
    gpuProduct: ctx.product,
    lowerBoundGpus: p.split.lowerBoundGpus,
    stages,
    backends: mine.map((g) => g.plan),
    sharedWith,
    ingest: planIngestFor(p.pipeline),
    explanation: parts.join(' '),
    ...(t ? { namespace: t } : {}),
  };
}

/** A pipeline's plan if it had its GPUs to itself (its best plan when it does not fit). */
export function aloneView(
  p: PreparedPipeline,
  product: string,
  gpuMemoryMiB: number,
  others: string[],
): Plan {
  const gpus = [...p.alone.saturatedGpus, ...p.alone.packedGpus];
  const groups = groupGpus(gpus).map((group, i) => ({
    group,
    plan: toBackendGroup(group, `${p.pipeline.name}-b${i}`, product),
  }));
  const aloneGpus = gpus.length;
  const view = { product, gpuMemoryMiB, mine: groups, hosted: p.alone.hosted, alonePool: true, others };
  return pipelineView(p, view, aloneGpus);
}

/** The groups hosting each pipeline's stages, in group order: one pass over the pool. */
export function groupsByPipeline(groups: NamedGroup[]): Map<string, NamedGroup[]> {
  const out = new Map<string, NamedGroup[]>();
  for (const g of groups) for (const name of g.plan.pipelines) out.set(name, [...(out.get(name) ?? []), g]);
  return out;
}
