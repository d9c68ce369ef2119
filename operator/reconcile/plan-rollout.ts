// Which plan generation a pipeline's backend pods run (pure), from what their consumers declared
// to the stages' consumer groups (contract/member-metadata.ts). A pod is current when every one
// of its consumers declared the plan's generation; until it has rejoined after a re-plan, the
// old generation it declared shows it as stale.
import type { VideoPipelineStatusObservedPlanRollout } from '../../contract/crd-types.generated.ts';
import { decodeMemberDeclaration } from '../../contract/member-metadata.ts';
import type { GroupMember } from '../../kafka/admin.ts';

const MAX_STALE_LISTED = 10;

export function planRollout(
  members: readonly Pick<GroupMember, 'userData'>[],
  generation: number,
): VideoPipelineStatusObservedPlanRollout {
  const oldest = new Map<string, number>();
  for (const m of members) {
    const d = decodeMemberDeclaration(m.userData);
    if (!d) continue;
    oldest.set(d.pod, Math.min(oldest.get(d.pod) ?? Number.POSITIVE_INFINITY, d.planGeneration));
  }
  const stale = [...oldest.entries()]
    .filter(([, g]) => g !== generation)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    generation,
    pods: oldest.size,
    current: oldest.size - stale.length,
    stale: stale.slice(0, MAX_STALE_LISTED).map(([pod, g]) => `${pod}@${g}`),
  };
}
