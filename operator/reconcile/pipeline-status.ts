// The VideoPipeline status one reconcile writes (pure): plan, target, observed load and the four
// conditions of API.md, with lastTransitionTime moving only on flips (setCondition).
import type { ConditionReason, ConditionType, PlannedReason } from '../../contract/condition-reasons.ts';
import type {
  Condition,
  VideoPipeline,
  VideoPipelineStatus,
  VideoPipelineStatusObservedPlanRollout,
} from '../../contract/crd-types.generated.ts';
import type { StartFailure } from '../../contract/start-failure.ts';
import { formatDecimal } from '../api/quantity.ts';
import {
  type ConditionInput,
  plannedCondition,
  planToStatus,
  setCondition,
  targetStatus,
} from '../api/status.ts';
import { judgeDegraded } from '../load/degraded.ts';
import type { LoadPolicy, LoadSample } from '../load/policy.ts';
import type { Plan } from '../planner/types.ts';

export type Check = { ok: true; message?: string } | { ok: false; reason: ConditionReason; message: string };

export interface BackendAvailability {
  name: string;
  replicas: number;
  available: number;
  /** Why its pods cannot start, as they reported it (backend-failures.ts). */
  failure?: StartFailure;
}

export interface PipelineObservation {
  /** The planning result: a plan, or a reason it could not be made. */
  planned: { ok: true; plan: Plan } | { ok: false; reason: PlannedReason; message: string };
  /** Undefined when topics were not attempted (no plan). */
  topics: Check | undefined;
  backends: BackendAvailability[];
  /** The ingest Deployment (videos enter only through it); undefined when nothing was applied. */
  ingest?: BackendAvailability;
  /** Observed from Kafka this reconcile (arrival, throughput, lag, p99), if anything was. */
  load: LoadSample | undefined;
  targetVps: number;
  /** The rate the current plan is for (load-driven); the target when absent. */
  expectedVps?: number;
  loadPolicy: Pick<LoadPolicy, 'epochMs' | 'lowFactor'>;
  /** spec.latencySLO.p99Ms: how long work may be in flight before a backlog counts. */
  latencySloMs?: number;
  /** status.plan.generation of the plan (plan-generation.ts). */
  planGeneration?: number;
  /** The generation the backend pods declared (plan-rollout.ts), when observed this time. */
  rollout?: VideoPipelineStatusObservedPlanRollout;
}

function condition(
  type: ConditionType,
  check: Check,
  trueReason: ConditionReason,
  gen: number | undefined,
): ConditionInput {
  const g = gen !== undefined ? { observedGeneration: gen } : {};
  return check.ok
    ? { type, status: 'True', reason: trueReason, message: check.message ?? '', ...g }
    : { type, status: 'False', reason: check.reason, message: check.message, ...g };
}

function degraded(
  obs: PipelineObservation,
  previousLag: number | undefined,
  gen: number | undefined,
): ConditionInput {
  const g = gen !== undefined ? { observedGeneration: gen } : {};
  const verdict = judgeDegraded(
    obs.load,
    previousLag,
    obs.expectedVps ?? obs.targetVps,
    obs.loadPolicy,
    obs.latencySloMs,
  );
  if (verdict.degraded)
    return { type: 'Degraded', status: 'True', reason: verdict.reason, message: verdict.message, ...g };
  const missing = obs.backends.filter((b) => b.available < b.replicas);
  if (
    obs.planned.ok &&
    missing.length > 0 &&
    missing.length === obs.backends.length &&
    obs.backends.length > 0
  ) {
    const why = startFailures(obs.backends);
    return {
      type: 'Degraded',
      status: 'True',
      reason: 'NoBackends',
      message:
        why && !why.ok ? `no backend group is available: ${why.message}` : 'no backend group is available',
      ...g,
    };
  }
  return { type: 'Degraded', status: 'False', reason: 'AsPlanned', message: '', ...g };
}

/**
 * Groups short of pods whose pods said why they cannot start (e.g. a provider the node cannot
 * run): their names and lines. Before Degraded, which would only say that no backend runs.
 */
function startFailures(backends: BackendAvailability[]): Check | undefined {
  const failing = backends.filter((b) => b.available < b.replicas && b.failure);
  if (failing.length === 0) return undefined;
  const unavailable = failing.some((b) => b.failure?.reason === 'ProviderUnavailable');
  return {
    ok: false,
    reason: unavailable ? 'ProviderUnavailable' : 'BackendsUnavailable',
    message: failing.map((b) => `backend group ${b.name} cannot start: ${b.failure?.message}`).join('; '),
  };
}

function ready(obs: PipelineObservation, isDegraded: boolean): Check {
  if (!obs.planned.ok) return { ok: false, reason: 'NotPlanned', message: obs.planned.message };
  if (!obs.topics?.ok)
    return { ok: false, reason: 'TopicsNotReady', message: obs.topics?.message ?? 'topics not ensured' };
  const startFailure = startFailures(obs.backends);
  if (startFailure) return startFailure;
  if (isDegraded) return { ok: false, reason: 'Degraded', message: 'see the Degraded condition' };
  const missing = obs.backends.filter((b) => b.available < b.replicas);
  if (missing.length > 0) {
    const what = missing.map((b) => `${b.name} ${b.available}/${b.replicas}`).join(', ');
    return { ok: false, reason: 'BackendsUnavailable', message: `backends not available: ${what}` };
  }
  const ingest = obs.ingest;
  if (ingest && ingest.available < ingest.replicas)
    return {
      ok: false,
      reason: 'IngestUnavailable',
      message: `ingest not available: ${ingest.name} ${ingest.available}/${ingest.replicas}`,
    };
  const p = obs.planned.plan;
  return {
    ok: true,
    message: `${p.gpus} GPU(s) of ${p.gpuProduct} serving ${formatDecimal(obs.targetVps)} videos/s`,
  };
}

export function pipelineStatus(
  pipeline: VideoPipeline,
  obs: PipelineObservation,
  nowIso: string,
): VideoPipelineStatus {
  const previous = pipeline.status ?? {};
  const gen = pipeline.metadata.generation;
  let conditions: Condition[] = previous.conditions ?? [];
  const degradedCondition = degraded(obs, previous.observed?.lag, gen);
  const readyCheck = ready(obs, degradedCondition.status === 'True');
  const topics: Check = obs.topics ?? {
    ok: false,
    reason: 'NotPlanned',
    message: 'no plan to create topics for',
  };
  for (const next of [
    condition('Ready', readyCheck, 'Ready', gen),
    plannedCondition(obs.planned, gen),
    condition('TopicsReady', topics, 'TopicsReady', gen),
    degradedCondition,
  ]) {
    conditions = setCondition(conditions, next, nowIso);
  }
  const plan = obs.planned.ok
    ? {
        ...planToStatus(obs.planned.plan),
        ...(obs.planGeneration !== undefined ? { generation: obs.planGeneration } : {}),
      }
    : previous.plan;
  const p99LatencyMs = obs.load?.p99LatencyMs ?? previous.observed?.p99LatencyMs;
  const fanOut = obs.load?.fanOut?.map((f) => ({
    stage: f.stage,
    declared: formatDecimal(f.declared),
    observed: formatDecimal(f.observed),
    ...(f.hint ? { hint: f.hint } : {}),
  }));
  const planRollout = obs.rollout ?? previous.observed?.planRollout;
  const measured = obs.load
    ? {
        videosPerSecond: formatDecimal(obs.load.arrivalVps),
        lag: obs.load.lag,
        ...(p99LatencyMs !== undefined ? { p99LatencyMs } : {}),
        ...(fanOut?.length ? { fanOut } : {}),
      }
    : previous.observed;
  const observed =
    measured || planRollout ? { ...(measured ?? {}), ...(planRollout ? { planRollout } : {}) } : undefined;
  return {
    ...(gen !== undefined ? { observedGeneration: gen } : {}),
    conditions,
    target: targetStatus(obs.targetVps),
    ...(plan ? { plan } : {}),
    ...(observed ? { observed } : {}),
  };
}
