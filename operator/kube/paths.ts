// REST paths of the resources the operator touches. Pure.
export const GROUP = 'serving.vpo.dev';
export const VERSION = 'v1alpha1';

export interface ResourceType {
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

export const PIPELINES: ResourceType = {
  group: GROUP,
  version: VERSION,
  plural: 'videopipelines',
  namespaced: true,
};
export const SESSIONS: ResourceType = {
  group: GROUP,
  version: VERSION,
  plural: 'modelsessions',
  namespaced: true,
};
export const NODES: ResourceType = { group: '', version: 'v1', plural: 'nodes', namespaced: false };
export const DEPLOYMENTS: ResourceType = {
  group: 'apps',
  version: 'v1',
  plural: 'deployments',
  namespaced: true,
};
export const JOBS: ResourceType = { group: 'batch', version: 'v1', plural: 'jobs', namespaced: true };
export const PODS: ResourceType = { group: '', version: 'v1', plural: 'pods', namespaced: true };
export const CONFIGMAPS: ResourceType = { group: '', version: 'v1', plural: 'configmaps', namespaced: true };
export const SECRETS: ResourceType = { group: '', version: 'v1', plural: 'secrets', namespaced: true };
export const SERVICES: ResourceType = { group: '', version: 'v1', plural: 'services', namespaced: true };
export const NETWORK_POLICIES: ResourceType = {
  group: 'networking.k8s.io',
  version: 'v1',
  plural: 'networkpolicies',
  namespaced: true,
};
export const EVENTS: ResourceType = { group: '', version: 'v1', plural: 'events', namespaced: true };
export const LEASES: ResourceType = {
  group: 'coordination.k8s.io',
  version: 'v1',
  plural: 'leases',
  namespaced: true,
};

/** Collection path; `namespace` undefined = all namespaces (or a cluster-scoped type). */
export function collectionPath(type: ResourceType, namespace?: string): string {
  const root = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  return type.namespaced && namespace !== undefined
    ? `${root}/namespaces/${namespace}/${type.plural}`
    : `${root}/${type.plural}`;
}

export function objectPath(type: ResourceType, namespace: string | undefined, name: string): string {
  return `${collectionPath(type, namespace)}/${encodeURIComponent(name)}`;
}

export const statusPath = (type: ResourceType, namespace: string | undefined, name: string): string =>
  `${objectPath(type, namespace, name)}/status`;

/** The path of a rendered object by its apiVersion and kind (only the kinds vpo renders). */
export function pathOfObject(obj: {
  apiVersion?: string;
  kind?: string;
  metadata: { namespace?: string; name: string };
}): string {
  const byKind: Record<string, ResourceType> = {
    Deployment: DEPLOYMENTS,
    ConfigMap: CONFIGMAPS,
    Service: SERVICES,
    Job: JOBS,
    NetworkPolicy: NETWORK_POLICIES,
  };
  const type = byKind[obj.kind ?? ''];
  if (!type) throw new Error(`no path for kind ${obj.kind}`);
  return objectPath(type, obj.metadata.namespace, obj.metadata.name);
}
