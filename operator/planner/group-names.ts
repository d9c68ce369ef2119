// Backend group names (one Deployment each), stable across re-plans. A kept group keeps its name
// (stable-pack.ts). Any other group takes the name of an unused previous group that hosted the
// same stages on the same product, so its Deployment is scaled in place (grow before adding a new
// group); when several match, the most used keeps its name (replicas × occupancy) and the least
// used is the one that goes. New names never reuse a name of the previous plan (a new group is a
// new Deployment): `<pipeline>-b<i>` for a group serving one pipeline, `shared-b<i>` for one
// serving several, with the lowest free i.
import type { GpuGroup } from './backends.ts';
import { busyMicros, pipelinesOn } from './backends.ts';
import type { PreviousGroup } from './types.ts';

export interface NamingInput {
  group: GpuGroup;
  /** Set for a kept group. */
  name?: string;
}

const signature = (product: string, members: { pipeline: string; stage: string }[]) =>
  `${product}|${members
    .map((m) => `${m.pipeline}/${m.stage}`)
    .sort()
    .join(',')}`;

export class GroupNamer {
  private readonly bySignature = new Map<string, PreviousGroup[]>();
  private readonly taken: Set<string>;
  private readonly counters = new Map<string, number>();

  constructor(previous: PreviousGroup[], kept: string[] = []) {
    const keptNames = new Set(kept);
    for (const p of previous) {
      if (keptNames.has(p.name)) continue;
      const key = signature(p.gpuProduct, p.members);
      this.bySignature.set(key, [...(this.bySignature.get(key) ?? []), p]);
    }
    for (const list of this.bySignature.values()) {
      list.sort((a, b) => b.replicas * b.occupancy - a.replicas * a.occupancy || (a.name < b.name ? -1 : 1));
    }
    this.taken = new Set([...previous.map((p) => p.name), ...kept]);
  }

  /** Names for a product's groups, in order: kept names, then matching previous ones, then fresh. */
  name(groups: NamingInput[], product: string): string[] {
    const names = groups.map(({ group, name }) => {
      if (name !== undefined) return name;
      const members = group.gpu.placements.map((p) => ({ pipeline: p.task.pipeline, stage: p.task.stage }));
      const match = this.bySignature.get(signature(product, members))?.shift()?.name;
      if (match) this.taken.add(match);
      return match;
    });
    return names.map((n, i) => n ?? this.fresh(pipelinesOn(groups[i]!.group.gpu)));
  }

  private fresh(pipelines: string[]): string {
    const prefix = pipelines.length === 1 ? pipelines[0]! : 'shared';
    let i = this.counters.get(prefix) ?? 0;
    while (this.taken.has(`${prefix}-b${i}`)) i++;
    const name = `${prefix}-b${i}`;
    this.taken.add(name);
    this.counters.set(prefix, i + 1);
    return name;
  }
}

/** How busy a group is, for the explanation: Σℓ / duty cycle. */
export const occupancyOf = (g: GpuGroup): number => busyMicros(g.gpu) / g.gpu.dutyCycleMicros;
