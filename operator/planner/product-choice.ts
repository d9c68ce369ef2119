// Which GPU products a pipeline can run on (DESIGN.md "The planner", step 6): its allow-list, else
// the products of the nodes its selector matches, else (no node at all) every product all its
// sessions are profiled on, so a plan can still say how many GPUs it would need. Each candidate is
// prepared (split, saturated, packed alone) and ranked: fewest GPUs alone, then the allow-list's
// order, then the name. Preparing is the planner's dearest step (the SLO split's DP), so a product
// that cannot beat the best one found is left unprepared: its GPUs alone are at least
// ⌈Σ rate / best throughput at the whole usable SLO⌉ (every stage given all of it), an exact bound.
// `completeCandidates` prepares those too, for when the best product has no room.
import type { PlanFailureReason } from '../../contract/condition-reasons.ts';
import type { ProductInventory } from './inventory.ts';
import { availableByProduct } from './inventory.ts';
import type { PreparedPipeline, ProductOptions } from './plan-product.ts';
import { preparePipeline, usableSloMs } from './plan-product.ts';
import type { BatchProfile } from './profile.ts';
import { bestThroughputVps, buildProfile } from './profile.ts';
import type { StageGraph } from './rates.ts';
import { analyseGraph } from './rates.ts';
import type { GpuNode, PlannerPipeline, PlannerSession } from './types.ts';

export const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export interface ProductCandidate {
  product: string;
  prepared: PreparedPipeline;
  /** GPUs this pipeline needs on the product when packed on its own. */
  aloneGpus: number;
  /** What the pipeline's selector and allow-list leave of the product (other plans subtracted). */
  inventory: ProductInventory | undefined;
}

export type Candidates =
  | { ok: true; candidates: ProductCandidate[]; pending: PendingProduct[] }
  | { ok: false; reason: PlanFailureReason; message: string };

/** A product left unprepared because it could not beat the best: its bound on GPUs alone. */
export interface PendingProduct {
  product: string;
  atLeastGpus: number;
}

export interface CandidateInput {
  pipeline: PlannerPipeline;
  sessions: Map<string, PlannerSession>;
  nodes: GpuNode[];
  usedGpus?: Record<string, number>;
}

const gpusOf = (p: PreparedPipeline): number => p.alone.saturatedGpus.length + p.alone.packedGpus.length;

/** The products the pipeline can be planned on, best first, or why none. */
export function productCandidates(input: CandidateInput, options: ProductOptions = {}): Candidates {
  const { pipeline, sessions } = input;
  for (const stage of pipeline.stages) {
    if (!sessions.has(stage.session)) {
      const message = `stage ${stage.name} of ${pipeline.name} references missing ModelSession ${stage.session}`;
      return { ok: false, reason: 'MissingSession', message };
    }
  }
  const graph = analyseGraph(pipeline);
  if (!graph.ok) return { ok: false, reason: graph.reason, message: graph.message };
  const allowList = pipeline.gpuProducts;
  const inventory = availableByProduct(input.nodes, pipeline.nodeSelector, allowList, input.usedGpus);
  const used = [...new Set(pipeline.stages.map((s) => s.session))].sort(byName);
  const profiled = (session: string) => new Set(sessions.get(session)!.profiles.map((p) => p.gpuProduct));
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
  const rank = (p: string) => (allowList.includes(p) ? allowList.indexOf(p) : allowList.length);
  // Fewest GPUs alone, then the allow-list's order; then the lower fractional bound, so that light
  // pipelines (a GPU each anywhere) go where they take the least of a GPU and pack best together;
  // then the name. Before preparing, the bound's own value stands in for the fractional bound.
  type Ranked = { gpus: number; product: string; fractional: number };
  const order = (a: Ranked, b: Ranked) =>
    a.gpus - b.gpus ||
    rank(a.product) - rank(b.product) ||
    a.fractional - b.fractional ||
    byName(a.product, b.product);
  const bounds = common
    .map((product) => ({ product, ...aloneBound(pipeline, graph.graph, sessions, product, inventory) }))
    .sort(order);
  const ranked = (c: ProductCandidate): Ranked => ({
    gpus: c.aloneGpus,
    product: c.product,
    fractional: c.prepared.fractionalOptimumGpus,
  });
  const feasible: ProductCandidate[] = [];
  const pending: PendingProduct[] = [];
  const why: string[] = [];
  for (const { product, gpus, fractional, profiles } of bounds) {
    const best = feasible[0];
    // The bound's fractional value is a floor of the product's fractional bound: a product it puts
    // after the best cannot come before it once prepared.
    if (best && options.everyProduct !== true && order({ gpus, product, fractional }, ranked(best)) > 0) {
      pending.push({ product, atLeastGpus: gpus });
      continue;
    }
    const memory = inventory.get(product)?.gpuMemoryMiB ?? Number.POSITIVE_INFINITY;
    const input = { pipeline, graph: graph.graph };
    const prepared = preparePipeline(input, sessions, product, memory, options, profiles);
    if (!prepared.ok) why.push(`on ${product}: ${prepared.message}`);
    else {
      const aloneGpus = gpusOf(prepared.prepared);
      feasible.push({ product, prepared: prepared.prepared, aloneGpus, inventory: inventory.get(product) });
      feasible.sort((a, b) => order(ranked(a), ranked(b)));
    }
  }
  if (feasible.length === 0) return { ok: false, reason: 'Infeasible', message: why.join('; ') };
  return { ok: true, candidates: feasible, pending };
}

/**
 * A lower bound on the GPUs the pipeline needs alone on `product`: every stage given the whole
 * usable SLO (no split can give more), ⌈Σ rate / best throughput⌉; Infinity when a profile does
 * not fit (the product is then prepared, to say why).
 */
function aloneBound(
  pipeline: PlannerPipeline,
  graph: StageGraph,
  sessions: Map<string, PlannerSession>,
  product: string,
  inventory: Map<string, ProductInventory>,
): { gpus: number; fractional: number; profiles?: BatchProfile[] } {
  const memory = inventory.get(product)?.gpuMemoryMiB ?? Number.POSITIVE_INFINITY;
  const usableMicros = usableSloMs(pipeline, graph) * 1000;
  const profiles: BatchProfile[] = [];
  let gpus = 0;
  for (const [v, stage] of pipeline.stages.entries()) {
    const built = buildProfile(sessions.get(stage.session)!, product, memory);
    if (!built.ok) return { gpus: Number.POSITIVE_INFINITY, fractional: Number.POSITIVE_INFINITY };
    profiles.push(built.profile);
    const tp = bestThroughputVps(built.profile, usableMicros, graph.arrivals[v]!);
    gpus += tp === 0 ? Number.POSITIVE_INFINITY : graph.rateVps[v]! / tp;
  }
  // The profiles are passed on to preparing the product: built once.
  return { gpus: Math.ceil(gpus - 1e-9), fractional: gpus, profiles };
}

/** Every product prepared, the pending ones too (when the best one has no room). */
export function completeCandidates(input: CandidateInput, options: ProductOptions = {}): Candidates {
  return productCandidates(input, { ...options, everyProduct: true });
}

/** The candidate to plan on: the best that fits the free GPUs on its own, else the best. */
export function chooseCandidate(candidates: ProductCandidate[]): ProductCandidate {
  return candidates.find((c) => c.aloneGpus <= (c.inventory?.availableGpus ?? 0)) ?? candidates[0]!;
}

export function candidateSummary(c: ProductCandidate): string {
  return `${c.product} needs ${c.aloneGpus} GPU(s), ${c.inventory?.availableGpus ?? 0} available`;
}

export function pendingSummary(p: PendingProduct): string {
  return `${p.product} needs at least ${p.atLeastGpus} GPU(s)`;
}
