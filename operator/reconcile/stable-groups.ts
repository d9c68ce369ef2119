// The namespace's backend groups as its pipelines' statuses recorded them: what a re-plan keeps
// where it can (operator/planner/stable-pack.ts, group-names.ts). Read from status, not from
// memory, so an operator that restarts keeps the same groups. A group appears in the status of
// every pipeline it serves; each is taken once.
import type { VideoPipeline } from '../../contract/crd-types.generated.ts';
import type { PreviousGroup } from '../planner/types.ts';

type StatusPlan = NonNullable<NonNullable<VideoPipeline['status']>['plan']>;

/** One group from a status entry; `pipeline` names the status it came from (older statuses lack session.pipeline). */
function fromStatus(b: NonNullable<StatusPlan['backends']>[number], pipeline: string): PreviousGroup {
  const sessions = b.sessions ?? [];
  const occupancy = Number(b.occupancy ?? 0);
  return {
    name: b.name,
    gpuProduct: b.gpuProduct,
    replicas: b.replicas,
    occupancy: Number.isFinite(occupancy) ? occupancy : 0,
    // Statuses written before `saturated` existed: one session at full occupancy runs back to back.
    saturated: b.saturated ?? (sessions.length === 1 && occupancy >= 0.995),
    members: sessions.map((s) => ({ pipeline: s.pipeline ?? pipeline, stage: s.stage })),
  };
}

/** The groups of the given pipelines' last plans, each once, in pipeline name then plan order. */
export function previousGroups(pipelines: VideoPipeline[]): PreviousGroup[] {
  const seen = new Map<string, PreviousGroup>();
  const sorted = [...pipelines].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  for (const p of sorted) {
    for (const b of p.status?.plan?.backends ?? []) {
      if (!seen.has(b.name)) seen.set(b.name, fromStatus(b, p.metadata.name));
    }
  }
  return [...seen.values()];
}
