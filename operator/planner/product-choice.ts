// Which GPU products a pipeline can run on (DESIGN.md "The planner", step 6): its allow-list, else
// the products of the nodes its selector matches, else (no node at all) every product all its
// sessions are profiled on, so a plan can still say how many GPUs it would need. Each candidate is
// prepared (split, saturated, packed alone) and ranked: fewest GPUs alone, then the allow-list's
// order, then the name.
import type { PlanFailureReason } from '../../contract/condition-reasons.ts';
import type { ProductInventory } from './inventory.ts';
import { availableByProduct } from './inventory.ts';
import type { PreparedPipeline, ProductOptions } from './plan-product.ts';
import { preparePipeline } from './plan-product.ts';
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
  | { ok: true; candidates: ProductCandidate[] }
  | { ok: false; reason: PlanFailureReason; message: string };

export interface CandidateInput {
  pipeline: PlannerPipeline;
  sessions: Map<string, PlannerSession>;
  nodes: GpuNode[];
  usedGpus?: Record<string, number>;
}

const gpusOf = (p: PreparedPipeline) => p.alone.saturatedGpus.length + p.alone.packedGpus.length;

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
  const feasible: ProductCandidate[] = [];
  const why: string[] = [];
  for (const product of common) {
    const memory = inventory.get(product)?.gpuMemoryMiB ?? Number.POSITIVE_INFINITY;
    const prepared = preparePipeline({ pipeline, graph: graph.graph }, sessions, product, memory, options);
    if (!prepared.ok) why.push(`on ${product}: ${prepared.message}`);
    else {
      const aloneGpus = gpusOf(prepared.prepared);
      feasible.push({ product, prepared: prepared.prepared, aloneGpus, inventory: inventory.get(product) });
    }
  }
  if (feasible.length === 0) return { ok: false, reason: 'Infeasible', message: why.join('; ') };
  const rank = (p: string) => (allowList.includes(p) ? allowList.indexOf(p) : allowList.length);
  feasible.sort(
    (a, b) => a.aloneGpus - b.aloneGpus || rank(a.product) - rank(b.product) || byName(a.product, b.product),
  );
  return { ok: true, candidates: feasible };
}

/** The candidate to plan on: the best that fits the free GPUs on its own, else the best. */
export function chooseCandidate(candidates: ProductCandidate[]): ProductCandidate {
  return candidates.find((c) => c.aloneGpus <= (c.inventory?.availableGpus ?? 0)) ?? candidates[0]!;
}

export function candidateSummary(c: ProductCandidate): string {
  return `${c.product} needs ${c.aloneGpus} GPU(s), ${c.inventory?.availableGpus ?? 0} available`;
}
