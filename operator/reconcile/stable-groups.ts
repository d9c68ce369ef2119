// Minimal churn between two plans (pure). The planner numbers backend groups afresh each time;
// this step gives a new group the name of the previous group that hosts the same sessions on the
// same product, so its Deployment is scaled in place (grow before adding a new group). When
// several previous groups match one new group, the most used keeps its name and the least used
// is the one that goes (shrink the least used first). New names never reuse a kept one.
import type { BackendGroupPlan, Plan } from '../planner/types.ts';

export interface PreviousGroup {
  name: string;
  gpuProduct: string;
  replicas: number;
  occupancy: number;
  stages: string[];
}

const signature = (product: string, stages: string[]): string => `${product}|${[...stages].sort().join(',')}`;

const groupSignature = (g: BackendGroupPlan): string =>
  signature(
    g.gpuProduct,
    g.sessions.map((s) => s.stage),
  );

/** Backend groups whose Deployments would be kept, renamed to the previous names where they match. */
export function stabiliseGroupNames(previous: PreviousGroup[], next: Plan, prefix: string): Plan {
  const bySignature = new Map<string, PreviousGroup[]>();
  for (const p of previous) {
    const key = signature(p.gpuProduct, p.stages);
    bySignature.set(key, [...(bySignature.get(key) ?? []), p]);
  }
  for (const list of bySignature.values()) {
    // Most used first: replicas × occupancy, then name for determinism.
    list.sort((a, b) => b.replicas * b.occupancy - a.replicas * a.occupancy || (a.name < b.name ? -1 : 1));
  }
  const names: (string | undefined)[] = next.backends.map(
    (g) => bySignature.get(groupSignature(g))?.shift()?.name,
  );
  // Names of groups that go are not reused either: a new group is a new Deployment.
  const taken = new Set([
    ...previous.map((p) => p.name),
    ...names.filter((n): n is string => n !== undefined),
  ]);
  let i = 0;
  const fresh = () => {
    while (taken.has(`${prefix}-b${i}`)) i++;
    const name = `${prefix}-b${i}`;
    taken.add(name);
    return name;
  };
  const backends = next.backends.map((g, k) => ({ ...g, name: names[k] ?? fresh() }));
  return { ...next, backends };
}

/** The previous groups as status.plan recorded them. */
export function previousGroups(
  status:
    | {
        backends?: {
          name: string;
          gpuProduct: string;
          replicas: number;
          occupancy?: string;
          sessions?: { stage: string }[];
        }[];
      }
    | undefined,
): PreviousGroup[] {
  return (status?.backends ?? []).map((b) => ({
    name: b.name,
    gpuProduct: b.gpuProduct,
    replicas: b.replicas,
    occupancy: Number(b.occupancy ?? 0),
    stages: (b.sessions ?? []).map((s) => s.stage),
  }));
}
