// Plans every pipeline of one namespace together (DESIGN.md "Across pipelines"; Nexus, SOSP'19,
// packs sessions of many applications onto shared GPUs). Each pipeline is split, saturated and
// packed on its own on every product it may use, and takes the product that needs the fewest
// GPUs (product-choice.ts); pipelines on the same product and node selector form a pool whose
// residuals are packed together, keeping the last plan's groups where they still work
// (pool-pack.ts); a pipeline with placement.dedicatedGpus is a pool of its own. Pools are placed
// in a fixed order against the free GPUs; when a pool does not fit, its pipelines that planned
// before keep their place and the newest are left out (InsufficientGPUs). Pure and deterministic.
import type { PlanFailureReason } from '../../contract/condition-reasons.ts';
import { toBackendGroup } from './backends.ts';
import { f2 } from './explain.ts';
import { GroupNamer } from './group-names.ts';
import { aloneView, type NamedGroup, pipelineView } from './pipeline-view.ts';
import type { ProductOptions } from './plan-product.ts';
import { type PoolPacking, packPool } from './pool-pack.ts';
import type { ProductCandidate } from './product-choice.ts';
import { byName, candidateSummary, chooseCandidate, productCandidates } from './product-choice.ts';
import type { NamespacePlan, NamespacePlanRequest, NamespaceTotals, PlanOutcome } from './types.ts';

interface Entry {
  name: string;
  /** The product it is planned on now: its best, or a later one when the best ran out of GPUs. */
  candidate: ProductCandidate;
  /** Every product it may use, best first (product-choice.ts). */
  ranked: ProductCandidate[];
}

const othersOf = (e: Entry) => e.ranked.filter((c) => c !== e.candidate);

interface Pool {
  key: string;
  product: string;
  entries: Entry[];
  packing?: PoolPacking;
}

const failure = (reason: PlanFailureReason, message: string): PlanOutcome => ({ ok: false, reason, message });

function poolKey(e: Entry): string {
  const p = e.candidate.prepared.pipeline;
  if (p.dedicatedGpus) return `dedicated|${p.name}`;
  const selector = Object.entries(p.nodeSelector).sort(([a], [b]) => byName(a, b));
  return `shared|${e.candidate.product}|${JSON.stringify(selector)}`;
}

/** Packs the pool, or the longest prefix of it (incumbents first) that fits `availableGpus`. */
function placePool(
  namespace: string,
  pool: Pool,
  availableGpus: number,
  request: NamespacePlanRequest,
  options: ProductOptions,
): { packing: PoolPacking; placed: number } | { error: string } {
  const memory = pool.entries[0]!.candidate.inventory?.gpuMemoryMiB ?? Number.POSITIVE_INFINITY;
  const pack = (n: number) =>
    packPool(
      namespace,
      pool.entries.slice(0, n).map((e) => e.candidate.prepared),
      pool.product,
      memory,
      request.previous ?? [],
      options,
    );
  const all = pack(pool.entries.length);
  if ('error' in all) return all;
  if (all.gpus <= availableGpus) return { packing: all, placed: pool.entries.length };
  // Binary search on the prefix: GPUs grow with it, near enough; the answer is checked to fit.
  let lo = 0;
  let hi = pool.entries.length - 1;
  let best: PoolPacking | undefined;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    const packed = pack(mid);
    if (!('error' in packed) && packed.gpus <= availableGpus) {
      lo = mid;
      best = packed;
    } else hi = mid - 1;
  }
  if (lo === 0 || !best) return { packing: { ...all, groups: [], gpus: 0 }, placed: 0 };
  return { packing: best, placed: lo };
}

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
      const c = productCandidates(input, options);
      if (!c.ok) outcomes.set(pipeline.name, failure(c.reason, c.message));
      else {
        const candidate = chooseCandidate(c.candidates);
        entries.push({
          name: pipeline.name,
          candidate,
          ranked: [candidate, ...c.candidates.filter((x) => x !== candidate)],
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
  let placement = placeAll(namespace, entries, order, request, options);
  for (let round = 0; round < 8; round++) {
    let moved = false;
    for (const e of placement.overflow) {
      const next = e.ranked[e.ranked.indexOf(e.candidate) + 1];
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
    const summaries = e.ranked.map(candidateSummary).join('; ');
    const taken = usedByPools[best.product]
      ? ` (the namespace's other pipelines take ${usedByPools[best.product]} of ${best.product})`
      : '';
    const plan = aloneView(
      best.prepared,
      best.product,
      memoryOf(best),
      e.ranked.slice(1).map(candidateSummary),
    );
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
    for (const e of placed) {
      const ctx = {
        product: pool.product,
        gpuMemoryMiB: memoryOf(e.candidate),
        groups,
        hosted: packing.hosted,
        others: othersOf(e).map(candidateSummary),
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

const memoryOf = (c: ProductCandidate) => c.inventory?.gpuMemoryMiB ?? Number.POSITIVE_INFINITY;

interface Placement {
  placedPools: { pool: Pool; packing: PoolPacking; placed: Entry[] }[];
  overflow: Entry[];
  errors: Map<string, string>;
  usedByPools: Record<string, number>;
}

/** Pools from the entries' current products, placed in key order against the free GPUs. */
function placeAll(
  namespace: string,
  entries: Entry[],
  order: (e: Entry) => number,
  request: NamespacePlanRequest,
  options: ProductOptions,
): Placement {
  const pools = new Map<string, Pool>();
  for (const e of entries) {
    const key = poolKey(e);
    const pool = pools.get(key) ?? { key, product: e.candidate.product, entries: [] };
    pool.entries.push(e);
    pools.set(key, pool);
  }
  const placement: Placement = { placedPools: [], overflow: [], errors: new Map(), usedByPools: {} };
  const used = placement.usedByPools;
  for (const pool of [...pools.values()].sort((a, b) => byName(a.key, b.key))) {
    pool.entries.sort((a, b) => order(a) - order(b) || byName(a.name, b.name));
    const free = (pool.entries[0]!.candidate.inventory?.availableGpus ?? 0) - (used[pool.product] ?? 0);
    const result = placePool(namespace, pool, Math.max(0, free), request, options);
    if ('error' in result) {
      for (const e of pool.entries) placement.errors.set(e.name, `on ${pool.product}: ${result.error}`);
      continue;
    }
    used[pool.product] = (used[pool.product] ?? 0) + result.packing.gpus;
    placement.placedPools.push({
      pool,
      packing: result.packing,
      placed: pool.entries.slice(0, result.placed),
    });
    placement.overflow.push(...pool.entries.slice(result.placed));
  }
  return placement;
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
