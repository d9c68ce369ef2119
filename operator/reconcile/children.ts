// Applies a pipeline's desired children with server-side apply (identical content is a no-op:
// the resourceVersion stays) and deletes backend Deployments its plan no longer has, after the
// new ones were applied (grow first, shrink last).

import { collectionPath, DEPLOYMENTS, objectPath, pathOfObject } from '../kube/paths.ts';
import type { KubeApi, KubeObject } from '../kube/types.ts';
import type { DesiredChild } from '../render/desired.ts';
import { FIELD_MANAGER, LABELS } from '../render/names.ts';
import type { BackendAvailability } from './pipeline-status.ts';

export interface AppliedChildren {
  backends: BackendAvailability[];
  /** The ingest Deployment's availability (undefined when none was applied). */
  ingest?: BackendAvailability;
  deleted: string[];
}

function availability(obj: KubeObject): BackendAvailability {
  const spec = obj.spec as { replicas?: number } | undefined;
  const status = obj.status as { availableReplicas?: number; observedGeneration?: number } | undefined;
  const current = (status?.observedGeneration ?? 0) >= (obj.metadata.generation ?? 0);
  return {
    name: obj.metadata.name,
    replicas: spec?.replicas ?? 0,
    available: current ? (status?.availableReplicas ?? 0) : 0,
  };
}

export async function applyChildren(
  api: KubeApi,
  namespace: string,
  ownerUid: string,
  objects: DesiredChild[],
  backendNames: string[],
): Promise<AppliedChildren> {
  const backends: BackendAvailability[] = [];
  let ingest: BackendAvailability | undefined;
  for (const obj of objects) {
    const where = `${obj.kind} ${namespace}/${obj.metadata.name}`;
    const applied = await api.apply(pathOfObject(obj), obj, FIELD_MANAGER).catch((err: Error) => {
      throw new Error(`apply ${where}: ${err.message}`, { cause: err });
    });
    if (obj.kind === 'Deployment' && backendNames.includes(obj.metadata.name))
      backends.push(availability(applied));
    else if (obj.kind === 'Deployment' && obj.metadata.labels?.[LABELS.role] === 'ingest')
      ingest = availability(applied);
  }
  const selector = encodeURIComponent(`${LABELS.role}=backend`);
  const existing = await api.list(`${collectionPath(DEPLOYMENTS, namespace)}?labelSelector=${selector}`);
  const deleted: string[] = [];
  for (const d of existing.items) {
    const owned = (d.metadata.ownerReferences as { uid?: string }[] | undefined)?.some(
      (o) => o.uid === ownerUid,
    );
    if (!owned || backendNames.includes(d.metadata.name)) continue;
    await api.delete(objectPath(DEPLOYMENTS, namespace, d.metadata.name));
    deleted.push(d.metadata.name);
  }
  return { backends, ...(ingest ? { ingest } : {}), deleted };
}
