// vpo's own kinds, narrowed from the objects the API server returns. The API server has already
// validated them against the CRD schemas (the source of the generated types), so the checks here
// only tell the kinds apart; they are type guards, not casts.
import type { ModelSession, VideoPipeline } from '../../contract/crd-types.generated.ts';
import type { KubeObject } from '../kube/types.ts';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function isVideoPipeline(obj: KubeObject): obj is KubeObject & VideoPipeline {
  return isObject(obj.spec) && Array.isArray(obj.spec.stages);
}

export function isModelSession(obj: KubeObject): obj is KubeObject & ModelSession {
  return isObject(obj.spec) && isObject(obj.spec.model);
}

/** The object as a VideoPipeline; throws naming it when it is not one. */
export function asVideoPipeline(obj: KubeObject): VideoPipeline {
  if (!isVideoPipeline(obj)) throw new Error(`${describe(obj)} is not a VideoPipeline`);
  return obj;
}

/** The object as a ModelSession; throws naming it when it is not one. */
export function asModelSession(obj: KubeObject): ModelSession {
  if (!isModelSession(obj)) throw new Error(`${describe(obj)} is not a ModelSession`);
  return obj;
}

function describe(obj: KubeObject): string {
  return `${obj.kind ?? 'object'} ${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}
