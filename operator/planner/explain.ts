// The plan's explanation: one plain paragraph with the numbers a person needs to check it by hand.
import { busyMicros, memoryMiB } from './backends.ts';
import { DEFAULT_INGEST_CONCURRENCY, ingestBasis, ingestMillisPerVideo, planIngestFor } from './ingest.ts';
import type { PipelineOnProduct, ProductPlan } from './plan-product.ts';
import { saturatedBatch, usableThroughputVps } from './profile.ts';
import type { PlannedGpu } from './saturate.ts';
import type { SplitObjective } from './slo-split.ts';

type OkProductPlan = Extract<ProductPlan, { ok: true }>;

export const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : String(x));
export const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : String(x));

const OBJECTIVE: Record<SplitObjective, string> = {
  fractional: 'minimising Σ rate / best throughput within budget (fractional GPUs)',
  packing: "minimising each stage's saturated GPUs plus its residual's occupancy alone (packing-aware)",
  even: 'giving each stage an equal share of the longest path (baseline)',
};

function splitWhy(p: PipelineOnProduct): string {
  const { split, tried } = p;
  const how = `${OBJECTIVE[split.objective]}, then handing out the slack each path left`;
  const fewest = Math.ceil(p.fractionalOptimumGpus - 1e-9);
  if (tried.length === 0) return how;
  if (tried.length === 1) {
    const enough =
      tried[0]!.gpus <= fewest ? `, ⌈${f2(p.fractionalOptimumGpus)}⌉, the fewest any split can need` : '';
    return `${how} (saturated and packed on its own, it needs ${tried[0]!.gpus} GPU(s)${enough})`;
  }
  const gpus = tried.map((t) => `${t.split.objective} ${t.gpus}`).join(', ');
  const optimum =
    split.lowerBoundGpus > p.fractionalOptimumGpus + 0.005
      ? `; the fractional optimum over all splits is ${f2(p.fractionalOptimumGpus)} GPU(s)`
      : '';
  return `${how}: the fractional-optimal split needed more than ⌈${f2(p.fractionalOptimumGpus)}⌉ GPU(s), so a packing-aware split was tried too; each saturated and packed on its own (GPUs: ${gpus}), the one kept needs the fewest GPUs (ties: the least total occupancy)${optimum}`;
}

/** The pipeline's own sentences: usable SLO and split, ingest, and each stage's saturated GPUs. */
export function pipelineSentences(p: PipelineOnProduct, gpus: PlannedGpu[]): string[] {
  const parts: string[] = [];
  const { pipeline, graph, split } = p;
  parts.push(
    `${pipeline.namespace}/${pipeline.name}: SLO ${pipeline.sloMs} ms − ingest ${pipeline.ingestAllowanceMs} ms${ingestBasis(pipeline)} − ${graph.longestPathStages} hop(s) × ${pipeline.hopAllowanceMs} ms = ${p.usableMs} ms usable, split across stages by the ${split.method} method ${splitWhy(p)}.`,
  );
  const ingest = planIngestFor(pipeline);
  if (ingest.capacityVps !== undefined) {
    const rate = pipeline.videosPerSecond * pipeline.peakFactor;
    parts.push(
      `Ingest: ${f2(rate)} videos/s at ${f2(ingest.capacityVps)}/s per pod (${pipeline.ingestConcurrency ?? DEFAULT_INGEST_CONCURRENCY} at once, ${ingestMillisPerVideo(pipeline)} ms ${pipeline.ingestCost ? `CPU each: ${pipeline.ingestCost.costBasis}` : 'each'}) → ${ingest.replicas} pod(s).`,
    );
  }
  for (const task of p.tasks) {
    const b = saturatedBatch(task.profile, task.budgetMs * 1000, task.arrivals);
    const tp = b > 0 ? usableThroughputVps(task.profile, b, task.budgetMs * 1000, task.arrivals) : 0;
    const saturated = gpus.filter((g) => g.saturated && g.placements[0]!.task === task).length;
    parts.push(
      `Stage ${task.stage} (${task.session}): budget ${task.budgetMs} ms, rate ${f2(task.rateVps)}/s, saturated batch ${b} (ℓ = ${f1(task.profile.latencyMicros[b]! / 1000)} ms, 2ℓ fits the budget, ${f2(tp)}/s per GPU${task.arrivals.burst > 0 ? ' with headroom for random arrivals' : ''}) → ${saturated} dedicated GPU(s), residual ${f2(Math.max(0, task.rateVps - saturated * tp))}/s packed.`,
    );
  }
  return parts;
}

/** Saturated vs packed GPUs, hosts opened up, and the memory check, over `gpus`. */
export function packingSentences(gpus: PlannedGpu[], hosted: string[], gpuMemoryMiB: number): string[] {
  const parts: string[] = [];
  const packed = gpus.filter((g) => !g.saturated);
  if (hosted.length > 0) {
    parts.push(
      `A light residual whose duty cycle is too short to merge with the others shares a saturated GPU instead: ${hosted.join('; ')}.`,
    );
  }
  const memory = gpus.reduce((m, g) => Math.max(m, memoryMiB(g)), 0);
  const occupancies = packed.map((g) => f2(busyMicros(g) / g.dutyCycleMicros));
  parts.push(
    `${gpus.length - packed.length} saturated GPU(s) plus ${packed.length} GPU(s) sharing residuals round robin within a duty cycle (squishy packing, Nexus SOSP'19; occupancy ${occupancies.join(', ') || 'none'}).`,
  );
  parts.push(
    `Memory: the fullest GPU holds ${Math.ceil(memory)} MiB of ${Number.isFinite(gpuMemoryMiB) ? `${gpuMemoryMiB} MiB` : 'an unknown amount (no node label)'}; batches that would not fit are never chosen.`,
  );
  return parts;
}

export function explain(plan: OkProductPlan, others: string[]): string {
  const parts = plan.pipelines.flatMap((p) => pipelineSentences(p, plan.gpus));
  parts.push(...packingSentences(plan.gpus, plan.hosted, plan.gpuMemoryMiB));
  const choice = others.length > 0 ? ` Other products: ${others.join('; ')}.` : '';
  parts.push(
    `On ${plan.product}: ${plan.gpus.length} GPU(s) against a lower bound of ${f2(plan.lowerBoundGpus)} (Σ rate / best throughput within budget).${choice}`,
  );
  return parts.join(' ');
}
