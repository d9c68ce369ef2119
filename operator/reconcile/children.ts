// Applies desired objects with server-side apply (identical content is a no-op: the
// resourceVersion stays) and deletes a namespace's backend groups its plan no longer has, after
// the new ones were applied (grow first, shrink last). A Deployment whose selector changed (pods
// of backend groups made before namespaces planned together carried their pipeline's label) is
// replaced once: the selector is immutable.
import { KubeApiError } from '../kube/errors.ts';
import { CONFIGMAPS, collectionPath, DEPLOYMENTS, objectPath, pathOfObject } from '../kube/paths.ts';
import type { KubeApi, KubeObject } from '../kube/types.ts';
import type { DesiredChild } from '../render/desired.ts';
import { FIELD_MANAGER, LABELS, MANAGED_BY } from '../render/names.ts';
import type { BackendAvailability } from './pipeline-status.ts';

const immutableSelector = (err: unknown) =>
  err instanceof KubeApiError &&
  err.status === 422 &&
  /selector/i.test(err.message) &&
  /immutable/i.test(err.message);

export async function applyObjects(api: KubeApi, objects: DesiredChild[]): Promise<KubeObject[]> {
  const applied: KubeObject[] = [];
  for (const obj of objects) {
    const apply = () => api.apply(pathOfObject(obj), obj, FIELD_MANAGER);
    try {
      applied.push(
        await apply().catch(async (err: unknown) => {
          if (obj.kind !== 'Deployment' || !immutableSelector(err)) throw err;
          await api.delete(objectPath(DEPLOYMENTS, obj.metadata.namespace, obj.metadata.name));
          return apply();
        }),
      );
    } catch (err) {
      const where = `${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}`;
      throw new Error(`apply ${where}: ${(err as Error).message}`, { cause: err });
    }
  }
  return applied;
}

/**
 * A backend group's pods against the plan's replicas. The Deployment comes from the informer's
 * cache, which may not show the namespace reconcile's latest apply yet: counted against the plan,
 * a group that is still growing is never taken for rolled out (the load policy waits on that).
 */
export function availability(
  obj: KubeObject | undefined,
  name: string,
  planned: number,
): BackendAvailability {
  if (!obj) return { name, replicas: planned, available: 0 };
  const spec = obj.spec as { replicas?: number } | undefined;
  const status = obj.status as { availableReplicas?: number; observedGeneration?: number } | undefined;
  const current = (status?.observedGeneration ?? 0) >= (obj.metadata.generation ?? 0);
  const available = current ? (status?.availableReplicas ?? 0) : 0;
  // Shrinking, the old pods still count only up to the planned number.
  return {
    name: obj.metadata.name,
    replicas: planned,
    available: Math.min(available, spec?.replicas ?? planned),
  };
}

export interface Removed {
  name: string;
  /** The pipelines the group served (its owners). */
  pipelines: string[];
}

/** Deletes the namespace's backend Deployments and ConfigMaps whose group is not in `keep`. */
export async function deleteStaleBackends(
  api: KubeApi,
  namespace: string,
  keep: Set<string>,
): Promise<Removed[]> {
  const selector = encodeURIComponent(`${LABELS.managedBy}=${MANAGED_BY},${LABELS.role}=backend`);
  const removed: Removed[] = [];
  for (const type of [DEPLOYMENTS, CONFIGMAPS]) {
    const existing = await api.list(`${collectionPath(type, namespace)}?labelSelector=${selector}`);
    for (const obj of existing.items) {
      const group = obj.metadata.labels?.[LABELS.backend] ?? obj.metadata.name;
      if (keep.has(group)) continue;
      await api.delete(objectPath(type, namespace, obj.metadata.name));
      if (type === DEPLOYMENTS) {
        const owners = (obj.metadata.ownerReferences ?? []) as { kind?: string; name?: string }[];
        const pipelines = owners.filter((o) => o.kind === 'VideoPipeline' && o.name).map((o) => o.name!);
        removed.push({ name: obj.metadata.name, pipelines });
      }
    }
  }
  return removed;
}
