// PlanOutcome -> the VideoPipeline status the operator writes (and `vpo plan` prints): decimals as
// quantity strings, integers as integers, and conditions in the apimachinery way.
import type { ConditionReason, ConditionType, PlannedReason } from '../../contract/condition-reasons.ts';
import type {
  Condition,
  VideoPipelineStatusPlan,
  VideoPipelineStatusTarget,
} from '../../contract/crd-types.generated.ts';
import type { Plan, PlanOutcome } from '../planner/types.ts';
import { formatDecimal } from './quantity.ts';

/** A condition to set: its type and reason from the contract's lists (contract/condition-reasons.ts). */
export type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'type' | 'reason'> & {
  type: ConditionType;
  reason: ConditionReason;
};

/**
 * Sets `next` in `existing` (by type), like apimachinery's meta.SetStatusCondition:
 * lastTransitionTime moves only when status flips. Pure: returns a new list, order kept.
 */
export function setCondition(existing: Condition[], next: ConditionInput, nowIso: string): Condition[] {
  const prev = existing.find((c) => c.type === next.type);
  const lastTransitionTime = prev && prev.status === next.status ? prev.lastTransitionTime : nowIso;
  const merged: Condition = { ...next, lastTransitionTime };
  return prev ? existing.map((c) => (c.type === next.type ? merged : c)) : [...existing, merged];
}

export function planToStatus(plan: Plan): VideoPipelineStatusPlan {
  return {
    gpus: plan.gpus,
    gpuShare: formatDecimal(plan.gpuShare),
    gpusAlone: plan.gpusAlone,
    ...(plan.sharedWith.length > 0 ? { sharedWith: [...plan.sharedWith] } : {}),
    ...(plan.namespace
      ? {
          namespace: {
            name: plan.namespace.namespace,
            pipelines: plan.namespace.pipelines,
            gpus: plan.namespace.gpus,
            gpusAlone: plan.namespace.gpusAlone,
            lowerBoundGpus: formatDecimal(plan.namespace.lowerBoundGpus),
          },
        }
      : {}),
    gpuProduct: plan.gpuProduct,
    lowerBoundGpus: formatDecimal(plan.lowerBoundGpus),
    stages: plan.stages.map((s) => ({
      name: s.name,
      session: s.session,
      latencyBudgetMs: Math.round(s.latencyBudgetMs),
      rateVps: formatDecimal(s.rateVps),
      capacityVps: formatDecimal(s.capacityVps),
      gpuShare: formatDecimal(s.gpuShare),
      replicas: s.replicas,
      batchSize: s.batchSize,
    })),
    backends: plan.backends.map((b) => ({
      name: b.name,
      gpuProduct: b.gpuProduct,
      replicas: b.replicas,
      dutyCycleMicros: Math.round(b.dutyCycleMicros),
      occupancy: formatDecimal(b.occupancy),
      memoryMiB: Math.round(b.memoryMiB),
      saturated: b.saturated,
      pipelines: [...b.pipelines],
      sessions: b.sessions.map((s) => ({
        pipeline: s.pipeline,
        stage: s.stage,
        session: s.session,
        batchSize: s.batchSize,
        rateVps: formatDecimal(s.rateVps),
      })),
    })),
    ingest: {
      replicas: plan.ingest.replicas,
      ...(plan.ingest.capacityVps !== undefined
        ? { capacityVps: formatDecimal(plan.ingest.capacityVps) }
        : {}),
    },
    explanation: plan.explanation,
  };
}

/** The Planned condition for an outcome (or for a problem found before planning). */
export function plannedCondition(
  outcome: PlanOutcome | { ok: false; reason: PlannedReason; message: string },
  generation: number | undefined,
): ConditionInput {
  const gen = generation !== undefined ? { observedGeneration: generation } : {};
  if (outcome.ok) {
    const p = outcome.plan;
    return {
      type: 'Planned',
      status: 'True',
      reason: 'Planned',
      message: `${p.gpus} GPU(s) of ${p.gpuProduct}; lower bound ${formatDecimal(p.lowerBoundGpus)}`,
      ...gen,
    };
  }
  return { type: 'Planned', status: 'False', reason: outcome.reason, message: outcome.message, ...gen };
}

/** status.plan and status.conditions for one planning round. The plan is set only when feasible. */
export function planStatus(
  outcome: PlanOutcome | { ok: false; reason: PlannedReason; message: string },
  generation: number | undefined,
  existing: Condition[],
  nowIso: string,
): { plan?: VideoPipelineStatusPlan; conditions: Condition[] } {
  const conditions = setCondition(existing, plannedCondition(outcome, generation), nowIso);
  return outcome.ok ? { plan: planToStatus(outcome.plan), conditions } : { conditions };
}

/** status.target (the TARGET printer column): the source rate before peakFactor. */
export function targetStatus(targetVps: number): VideoPipelineStatusTarget {
  return { videosPerSecond: formatDecimal(targetVps) };
}
