// The ModelSession status (pure): Profiled when a profile exists for a GPU product the cluster
// has (profile-status.ts, with the profiling Jobs' progress); Ready when the model reference is
// well formed, the model could be fetched and opened (the operator's check of s3:// and http(s)://
// models: operator/models/model-check.ts) and a profile is present. file:// and pvc:// models are
// in the pods' volumes: the runtime (and the profiling Job) checks sha256 when it loads them.

import type { Condition, ModelSession, ModelSessionStatus } from '../../contract/crd-types.generated.ts';
import { type ConditionInput, setCondition } from '../api/status.ts';
import type { ModelCheck } from '../models/model-check.ts';
import { type ProfilingOutcome, profiledCondition } from './profile-status.ts';

const uriPattern =
  /^(file:\/\/\/\S+|https?:\/\/\S+|pvc:\/\/[a-z0-9]([-a-z0-9]*[a-z0-9])?\/\S+|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S+)$/;

export function modelProblem(session: ModelSession): string | undefined {
  const { uri, sha256 } = session.spec.model;
  if (!uriPattern.test(uri))
    return `model.uri ${JSON.stringify(uri)} is not file:///…, http(s)://…, s3://<bucket>/<key> or pvc://<claim>/<path>`;
  if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256))
    return 'model.sha256 is not 64 lowercase hex digits';
  return undefined;
}

/**
 * `profiling` is what the profiling reconcile found (measured profiles for the current model and
 * the Jobs' progress); without it the recorded status.profiles count as they are. `modelCheck` is
 * the operator's verdict on a model it can reach (undefined for file:// and pvc://).
 */
export function sessionStatus(
  session: ModelSession,
  clusterProducts: string[],
  nowIso: string,
  profiling?: ProfilingOutcome,
  modelCheck?: ModelCheck,
): ModelSessionStatus {
  const gen = session.metadata.generation;
  const g = gen !== undefined ? { observedGeneration: gen } : {};
  const profiles = profiling?.profiles ?? session.status?.profiles ?? [];
  const progress = profiling?.progress ?? { running: [], failed: [] };
  const profiled = profiledCondition(session, profiles, clusterProducts, progress);
  const problem = modelProblem(session);
  const opened = modelCheck?.ok
    ? modelCheck.message
    : `${session.spec.model.uri} (opened and checked by the backend pods)`;
  const readyCondition: ConditionInput = problem
    ? { type: 'Ready', status: 'False', reason: 'InvalidModel', message: problem, ...g }
    : modelCheck && !modelCheck.ok
      ? { type: 'Ready', status: 'False', reason: modelCheck.reason, message: modelCheck.message, ...g }
      : profiled.status === 'False'
        ? { type: 'Ready', status: 'False', reason: 'NotProfiled', message: profiled.message, ...g }
        : { type: 'Ready', status: 'True', reason: 'Ready', message: opened, ...g };
  let conditions: Condition[] = session.status?.conditions ?? [];
  conditions = setCondition(conditions, readyCondition, nowIso);
  conditions = setCondition(conditions, profiled, nowIso);
  return {
    ...(gen !== undefined ? { observedGeneration: gen } : {}),
    conditions,
    ...(session.status?.profiles || profiles.length > 0 ? { profiles } : {}),
  };
}
