// The plan generation (pure): a counter in status.plan.generation that moves by one whenever the
// settings a re-plan can change do (batch sizes, duty cycles, rates, budgets, replicas, the
// groups themselves). Pods report the generation they run, so "every backend runs the current
// plan" is a comparison of two integers (status.observed.planRollout, vpo_plan_generation).
import type { VideoPipelineStatusPlan } from '../../contract/crd-types.generated.ts';
import { stableJson } from '../../contract/live-settings.ts';

/** The parts of a status plan that a generation stands for (not the prose, not the counter). */
function settingsOf(plan: VideoPipelineStatusPlan): string {
  const { explanation: _e, generation: _g, ...settings } = plan;
  return stableJson(settings);
}

/** The generation for `next`: the previous one when the settings are equal, else one more. */
export function planGeneration(
  previous: VideoPipelineStatusPlan | undefined,
  next: VideoPipelineStatusPlan,
): number {
  const before = previous?.generation ?? 0;
  if (previous && before > 0 && settingsOf(previous) === settingsOf(next)) return before;
  return before + 1;
}
