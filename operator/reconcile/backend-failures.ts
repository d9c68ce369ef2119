// Why a backend group's pods do not become available, in their containers' own words: a runtime
// role that cannot start (a session's provider cannot run on the node, say) writes one line to
// its termination-message file (contract/start-failure.ts), and the kubelet copies it into the
// pod's status: the current state while the container is down, lastState while it waits in
// CrashLoopBackOff. One list of the namespace's backend pods, only when a group is short of pods.
import { parseStartFailure, type StartFailure } from '../../contract/start-failure.ts';
import { collectionPath, PODS } from '../kube/paths.ts';
import type { KubeApi, KubeObject } from '../kube/types.ts';
import { LABELS } from '../render/names.ts';

interface ContainerStatus {
  state?: { terminated?: { message?: string } };
  lastState?: { terminated?: { message?: string } };
}

/** The start failure a pod's first container reported, if any. */
export function podStartFailure(pod: KubeObject): StartFailure | undefined {
  const statuses = (pod.status as { containerStatuses?: ContainerStatus[] } | undefined)?.containerStatuses;
  const status = statuses?.[0];
  return (
    parseStartFailure(status?.state?.terminated?.message) ??
    parseStartFailure(status?.lastState?.terminated?.message)
  );
}

/** Backend Deployment name → the start failure one of its pods reported (the first found). */
export function failuresByBackend(
  pods: KubeObject[],
  backends: readonly string[],
): Map<string, StartFailure> {
  const found = new Map<string, StartFailure>();
  for (const pod of pods) {
    const backend = pod.metadata.labels?.[LABELS.backend];
    if (!backend || !backends.includes(backend) || found.has(backend)) continue;
    const failure = podStartFailure(pod);
    if (failure) found.set(backend, failure);
  }
  return found;
}

export async function backendStartFailures(
  api: KubeApi,
  namespace: string,
  backends: readonly string[],
): Promise<Map<string, StartFailure>> {
  if (backends.length === 0) return new Map();
  const selector = encodeURIComponent(`${LABELS.role}=backend`);
  const pods = await api.list(`${collectionPath(PODS, namespace)}?labelSelector=${selector}`);
  return failuresByBackend(pods.items, backends);
}
