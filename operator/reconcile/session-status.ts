// The ModelSession status (pure): Profiled when a profile exists for a GPU product the cluster
// has; Ready when the model reference is well formed and a profile is present. The operator
// cannot open the model (pods mount it); the runtime checks sha256 when it loads the file.
import { setCondition } from '../api/status.ts';
import type { Condition, ModelSession, ModelSessionStatus } from '../api/types.generated.ts';

const uriPattern = /^(file:\/\/\/\S+|https?:\/\/\S+|pvc:\/\/[a-z0-9]([-a-z0-9]*[a-z0-9])?\/\S+)$/;

export function modelProblem(session: ModelSession): string | undefined {
  const { uri, sha256 } = session.spec.model;
  if (!uriPattern.test(uri))
    return `model.uri ${JSON.stringify(uri)} is not file:///…, http(s)://… or pvc://<claim>/<path>`;
  if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256))
    return 'model.sha256 is not 64 lowercase hex digits';
  return undefined;
}

function profiledProducts(session: ModelSession): string[] {
  const all = [...(session.spec.profiles ?? []), ...(session.status?.profiles ?? [])];
  return [...new Set(all.filter((p) => p.points.length > 0).map((p) => p.gpuProduct))].sort();
}

export function sessionStatus(
  session: ModelSession,
  clusterProducts: string[],
  nowIso: string,
): ModelSessionStatus {
  const gen = session.metadata.generation;
  const g = gen !== undefined ? { observedGeneration: gen } : {};
  const products = profiledProducts(session);
  const matching = products.filter((p) => clusterProducts.includes(p));
  const profiled =
    matching.length > 0
      ? {
          type: 'Profiled',
          status: 'True' as const,
          reason: 'Profiled',
          message: `profiles for ${matching.join(', ')}`,
          ...g,
        }
      : {
          type: 'Profiled',
          status: 'False' as const,
          reason: 'NoProfile',
          message:
            products.length === 0
              ? 'no profile: run `vpo profile` or add spec.profiles'
              : `profiles for ${products.join(', ')}, none of the cluster's GPU products (${clusterProducts.join(', ') || 'none'})`,
          ...g,
        };
  const problem = modelProblem(session);
  const readyCondition = problem
    ? { type: 'Ready', status: 'False' as const, reason: 'InvalidModel', message: problem, ...g }
    : profiled.status === 'False'
      ? { type: 'Ready', status: 'False' as const, reason: 'NotProfiled', message: profiled.message, ...g }
      : { type: 'Ready', status: 'True' as const, reason: 'Ready', message: session.spec.model.uri, ...g };
  let conditions: Condition[] = session.status?.conditions ?? [];
  conditions = setCondition(conditions, readyCondition, nowIso);
  conditions = setCondition(conditions, profiled, nowIso);
  return {
    ...(gen !== undefined ? { observedGeneration: gen } : {}),
    conditions,
    ...(session.status?.profiles ? { profiles: session.status.profiles } : {}),
  };
}
