// Plans every pipeline of one namespace together (DESIGN.md "Across pipelines"; Nexus, SOSP'19,
// packs sessions of many applications onto shared GPUs). Each pipeline is split, saturated and
// packed on its own on every product it may use, and takes the product that needs the fewest
// GPUs (product-choice.ts); pipelines on the same product and node selector form a pool whose
// residuals are packed together, keeping the last plan's groups where they still work
// (pool-pack.ts); a pipeline with placement.dedicatedGpus is a pool of its own. Pools are placed
// in a fixed order against the free GPUs (pool-place.ts), on one product for pipelines that could
// share where that needs fewer GPUs (product-mix.ts); when a pool does not fit, its pipelines that
// planned before keep their place and the newest try their next product, or are left out
// (InsufficientGPUs). Pure and deterministic.
import type { PlanFailureReason } from '../../contract/condition-reasons.ts';
import { toBackendGroup } from './backends.ts';
import { f2 } from './explain.ts';
import { GroupNamer } from './group-names.ts';
import { aloneView, groupsByPipeline, type NamedGroup, pipelineView } from './pipeline-view.ts';
import type { ProductOptions } from './plan-product.ts';
import type { PoolPacking } from './pool-pack.ts';
import { type Entry, fits, memoryOf, nextCandidate, othersOf, placeAll } from './pool-place.ts';
import {
  byName,
  candidateSummary,
  chooseCandidate,
  completeCandidates,
  pendingSummary,
  productCandidates,
} from './product-choice.ts';
import { assignProducts } from './product-mix.ts';
import type { NamespacePlan, NamespacePlanRequest, NamespaceTotals, PlanOutcome } from './types.ts';

const failure = (reason: PlanFailureReason, message: string): PlanOutcome => ({ ok: false, reason, message });

export function planNamespace(request: NamespacePlanRequest, options: ProductOptions = {}): NamespacePlan {
  const namespace = request.namespace;
  const sessions = new Map(request.sessions.map((s) => [s.name, s]));
  const previous = request.previous ?? [];
  const incumbents = new Set(previous.flatMap((g) => g.members.map((m) => m.pipeline)));
  const outcomes = new Map<string, PlanOutcome>();
  const entries: Entry[] = [];
  for (const pipeline of [...request.pipelines].sort((a, b) => byName(a.name, b.name))) {
    try {
      const input = {
        pipeline,
        sessions,
        nodes: request.nodes,
        ...(request.usedGpus ? { usedGpus: request.usedGpus } : {}),
      };
      let c = productCandidates(input, options);
      // The best product has no room for it alone: rank every product, the unprepared ones too.
      if (c.ok && c.pending.length > 0 && !fits(c.candidates[0]!)) c = completeCandidates(input, options);
      if (!c.ok) outcomes.set(pipeline.name, failure(c.reason, c.message));
      else {
        const candidate = chooseCandidate(c.candidates);
        const ranked = [candidate, ...c.candidates.filter((x) => x !== candidate)];
        entries.push({
          name: pipeline.name,
          candidate,
          ranked,
          pending: c.pending,
          input,
          leftOutOf: new Set(),
        });
      }
    } catch (err) {
      // Malformed input that slipped past the adapters must still come back as a reason.
      const message = `malformed planner input: ${err instanceof Error ? err.message : String(err)}`;
      outcomes.set(pipeline.name, failure('Infeasible', message));
    }
  }
  const order = (e: Entry) => (incumbents.has(e.name) ? 0 : 1);
  // Place every pool; a pipeline left out of its pool for want of GPUs tries its next product,
  // and the pools are placed again, until nobody moves.
  let placement = assignProducts(namespace, entries, order, request, options);
  for (let round = 0; round < 8; round++) {
    let moved = false;
    for (const e of placement.overflow) {
      const next = nextCandidate(e, options);
      if (next) {
        e.candidate = next;
        moved = true;
      }
    }
    if (!moved) break;
    placement = placeAll(namespace, entries, order, request, options);
  }
  const { placedPools, usedByPools } = placement;
  for (const [name, message] of placement.errors) outcomes.set(name, failure('Infeasible', message));
  for (const e of placement.overflow) {
    const best = e.ranked[0]!;
    const summaries = [...e.ranked.map(candidateSummary), ...e.pending.map(pendingSummary)].join('; ');
    const taken = usedByPools[best.product]
      ? ` (the namespace's other pipelines take ${usedByPools[best.product]} of ${best.product})`
      : '';
    const plan = aloneView(best.prepared, best.product, memoryOf(best), [
      ...e.ranked.slice(1).map(candidateSummary),
      ...e.pending.map(pendingSummary),
    ]);
    outcomes.set(e.name, {
      ok: false,
      reason: 'InsufficientGPUs',
      message: `not enough GPUs: ${summaries}${taken}`,
      plan,
    });
  }
  const kept = placedPools.flatMap((p) => p.packing.groups.flatMap((g) => (g.name ? [g.name] : [])));
  const namer = new GroupNamer(previous, kept);
  const named = placedPools.map(({ pool, packing, placed }) => {
    const names = namer.name(packing.groups, pool.product);
    const groups: NamedGroup[] = packing.groups.map(({ group }, i) => ({
      group,
      plan: toBackendGroup(group, names[i]!, pool.product),
    }));
    return { pool, packing, placed, groups };
  });
  const planned = named.flatMap((n) => n.placed);
  const totals: NamespaceTotals = {
    namespace,
    pipelines: planned.length,
    gpus: named.reduce((s, n) => s + n.packing.gpus, 0),
    gpusAlone: planned.reduce((s, e) => s + e.candidate.aloneGpus, 0),
    lowerBoundGpus: planned.reduce((s, e) => s + e.candidate.prepared.split.lowerBoundGpus, 0),
  };
  const note = packingNote(named.map((n) => n.packing));
  for (const { pool, packing, placed, groups } of named) {
    const byPipeline = groupsByPipeline(groups);
    for (const e of placed) {
      const ctx = {
        product: pool.product,
        gpuMemoryMiB: memoryOf(e.candidate),
        mine: byPipeline.get(e.name) ?? [],
        hosted: packing.hosted,
        alonePool: placed.length === 1,
        others: [...othersOf(e).map(candidateSummary), ...e.pending.map(pendingSummary)],
        totals,
        ...(note ? { namespaceNote: note } : {}),
      };
      outcomes.set(e.name, {
        ok: true,
        plan: pipelineView(e.candidate.prepared, ctx, e.candidate.aloneGpus),
      });
    }
  }
  const pipelines = [...outcomes.entries()]
    .sort(([a], [b]) => byName(a, b))
    .map(([name, outcome]) => ({ name, outcome }));
  return {
    namespace,
    pipelines,
    backends: named.flatMap((n) => n.groups.map((g) => g.plan)),
    totals,
    pools: named.map(({ pool, packing, placed }) => ({
      gpuProduct: pool.product,
      pipelines: placed.map((e) => e.name),
      mode: packing.mode,
      gpus: packing.gpus,
      freshGpus: packing.freshGpus,
      aloneGpus: packing.aloneGpus,
      ...(packing.keptGpus !== undefined ? { keptGpus: packing.keptGpus } : {}),
    })),
    explanation: namespaceExplanation(totals, note),
  };
}

function packingNote(packings: PoolPacking[]): string | undefined {
  const kept = packings.filter((p) => p.mode === 'kept');
  if (kept.length === 0) return undefined;
  const keptGroups = kept.reduce((n, p) => n + p.groups.filter((g) => g.name).length, 0);
  const fresh = kept.reduce((n, p) => n + p.freshGpus, 0);
  const gpus = kept.reduce((n, p) => n + p.gpus, 0);
  const cost = gpus > fresh ? `, ${gpus - fresh} GPU(s) more than packing afresh would take` : '';
  return `${keptGroups} packed group(s) of the last plan were kept as they were, so their pods keep running${cost}.`;
}

function namespaceExplanation(t: NamespaceTotals, note: string | undefined): string {
  const saved = t.gpusAlone - t.gpus;
  return `Namespace ${t.namespace}: ${t.pipelines} pipeline(s) on ${t.gpus} GPU(s) shared; alone: ${t.gpusAlone} GPUs${saved > 0 ? ` (${saved} saved)` : ''}; lower bound ${f2(t.lowerBoundGpus)}.${note ? ` ${note}` : ''}`;
}
