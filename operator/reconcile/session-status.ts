// The ModelSession status (pure): Profiled when a profile exists for a GPU product the cluster
// has (profile-status.ts, with the profiling Jobs' progress); Ready when the model reference is
// well formed and a profile is present. The operator cannot open the model (pods mount it); the
// runtime (and the profiling Job) checks sha256 when it loads the file.

import type { Condition, ModelSession, ModelSessionStatus } from '../../contract/crd-types.generated.ts';
import { type ConditionInput, setCondition } from '../api/status.ts';
import { type ProfilingOutcome, profiledCondition } from './profile-status.ts';

const uriPattern = /^(file:\/\/\/\S+|https?:\/\/\S+|pvc:\/\/[a-z0-9]([-a-z0-9]*[a-z0-9])?\/\S+)$/;

export function modelProblem(session: ModelSession): string | undefined {
  const { uri, sha256 } = session.spec.model;
  if (!uriPattern.test(uri))
    return `model.uri ${JSON.stringify(uri)} is not file:///…, http(s)://… or pvc://<claim>/<path>`;
  if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256))
    return 'model.sha256 is not 64 lowercase hex digits';
  return undefined;
}

/**
 * `profiling` is what the profiling reconcile found (measured profiles for the current model and
 * the Jobs' progress); without it the recorded status.profiles count as they are.
 */
export function sessionStatus(
  session: ModelSession,
  clusterProducts: string[],
  nowIso: string,
  profiling?: ProfilingOutcome,
): ModelSessionStatus {
  const gen = session.metadata.generation;
  const g = gen !== undefined ? { observedGeneration: gen } : {};
  const profiles = profiling?.profiles ?? session.status?.profiles ?? [];
  const progress = profiling?.progress ?? { running: [], failed: [] };
  const profiled = profiledCondition(session, profiles, clusterProducts, progress);
  const problem = modelProblem(session);
  const readyCondition: ConditionInput = problem
    ? { type: 'Ready', status: 'False', reason: 'InvalidModel', message: problem, ...g }
    : profiled.status === 'False'
      ? { type: 'Ready', status: 'False', reason: 'NotProfiled', message: profiled.message, ...g }
      : { type: 'Ready', status: 'True', reason: 'Ready', message: session.spec.model.uri, ...g };
  let conditions: Condition[] = session.status?.conditions ?? [];
  conditions = setCondition(conditions, readyCondition, nowIso);
  conditions = setCondition(conditions, profiled, nowIso);
  return {
    ...(gen !== undefined ? { observedGeneration: gen } : {}),
    conditions,
    ...(session.status?.profiles || profiles.length > 0 ? { profiles } : {}),
  };
}
