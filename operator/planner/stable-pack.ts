// Keeping the last plan's packed GPUs (DESIGN.md "Re-planning"): a re-plan of a namespace should
// not restart pipelines it does not need to touch. A backend group whose pod restarts is one whose
// hosted sessions change; batch sizes and duty cycles may change under a running pod. So each
// packed group of the previous plan is kept — same name, same hosted stages less those that are
// gone — when its stages still have residual load and the squishy merge of their current rates is
// still feasible (duty cycle, budgets, memory). Only the residuals no kept group takes are packed
// afresh.
import type { Residual } from './host-pack.ts';
import type { PlannedGpu } from './saturate.ts';
import { mergeResiduals } from './squishy-pack.ts';
import type { PreviousGroup } from './types.ts';

export interface KeptGpu {
  name: string;
  gpu: PlannedGpu;
}

export interface Kept {
  kept: KeptGpu[];
  /** Residuals no kept group hosts, in input order. */
  rest: Residual[];
}

const memberKey = (namespace: string, m: { pipeline: string; stage: string }) =>
  `${namespace}/${m.pipeline}/${m.stage}`;

/** Previous packed single-GPU groups on `product`, kept where their stages' residuals still merge. */
export function keepGroups(
  namespace: string,
  previous: PreviousGroup[],
  residuals: Residual[],
  product: string,
  gpuMemoryMiB: number,
): Kept {
  const byKey = new Map(residuals.filter((r) => r.rateVps > 0).map((r) => [r.task.key, r]));
  const taken = new Set<string>();
  const kept: KeptGpu[] = [];
  for (const group of previous) {
    if (group.gpuProduct !== product || group.saturated || group.replicas !== 1) continue;
    const members = group.members
      .map((m) => byKey.get(memberKey(namespace, m)))
      .filter((r): r is Residual => r !== undefined && !taken.has(r.task.key));
    if (members.length === 0) continue;
    const gpu = mergeResiduals(members, gpuMemoryMiB);
    if (!gpu) continue;
    for (const m of members) taken.add(m.task.key);
    kept.push({ name: group.name, gpu });
  }
  return { kept, rest: residuals.filter((r) => !taken.has(r.task.key)) };
}
