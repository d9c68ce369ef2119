// One product for pipelines that could share GPUs (namespace.ts). Each pipeline takes the product
// that needs the fewest GPUs on its own; light pipelines tie there (a GPU each, anywhere) and fall
// to the first product by name, while the heavy ones go where they are cheapest: the namespace
// then packs two half-empty pools instead of one. For every set of pipelines that could share
// (same node selector, not dedicated) and ended on several products, this places them all on each
// product they can all use, and keeps the placement that leaves out the fewest pipelines, then
// needs the fewest GPUs; a tie keeps the pipelines' own choice (and so the last plan's groups).
// The alternatives are compared on a quick packing (one order, no host search, as plainPacking):
// a full packing of thousands of residuals per alternative would cost more than the whole plan.
import type { ProductOptions } from './plan-product.ts';
import type { Entry, Placement } from './pool-place.ts';
import { allCandidates, placeAll } from './pool-place.ts';
import { byName } from './product-choice.ts';
import type { NamespacePlanRequest } from './types.ts';

const gpusOf = (p: Placement) => p.placedPools.reduce((n, x) => n + x.packing.gpus, 0);
const leftOut = (p: Placement) => p.overflow.length + p.errors.size;

/** Fewer pipelines left out, then fewer GPUs. */
const better = (a: Placement, b: Placement) =>
  leftOut(a) < leftOut(b) || (leftOut(a) === leftOut(b) && gpusOf(a) < gpusOf(b));

/** Pipelines that could share GPUs (same node selector, not dedicated) but sit on several products. */
function mixedGroups(entries: Entry[]): Entry[][] {
  const sharing = new Map<string, Entry[]>();
  for (const e of entries) {
    const p = e.candidate.prepared.pipeline;
    if (p.dedicatedGpus) continue;
    const key = JSON.stringify(Object.entries(p.nodeSelector).sort(([a], [b]) => byName(a, b)));
    sharing.set(key, [...(sharing.get(key) ?? []), e]);
  }
  return [...sharing.values()].filter(
    (group) => group.length > 1 && new Set(group.map((e) => e.candidate.product)).size > 1,
  );
}

export function assignProducts(
  namespace: string,
  entries: Entry[],
  order: (e: Entry) => number,
  request: NamespacePlanRequest,
  options: ProductOptions,
): Placement {
  const groups = mixedGroups(entries);
  if (groups.length > 0 && !options.plainPacking) {
    const quick = { ...options, plainPacking: true };
    let best = placeAll(namespace, entries, order, request, quick);
    for (const group of groups) {
      const lists = group.map((e) => allCandidates(e, options));
      const common = lists[0]!
        .map((c) => c.product)
        .filter((product) => lists.every((l) => l.some((c) => c.product === product)))
        .sort(byName);
      let chosen = group.map((e) => e.candidate);
      for (const product of common) {
        group.forEach((e, i) => {
          e.candidate = lists[i]!.find((c) => c.product === product)!;
        });
        const placement = placeAll(namespace, entries, order, request, quick);
        if (better(placement, best)) {
          best = placement;
          chosen = group.map((e) => e.candidate);
        }
      }
      group.forEach((e, i) => {
        e.candidate = chosen[i]!;
      });
    }
  }
  return placeAll(namespace, entries, order, request, options);
}
