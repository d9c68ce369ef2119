// Deterministic names and labels of a pipeline's children. Names longer than a DNS label are
// cut and suffixed with a hash of the full name, so they stay unique and stable.

export const LABELS = {
  name: 'app.kubernetes.io/name',
  managedBy: 'app.kubernetes.io/managed-by',
  pipeline: 'serving.vpo.dev/pipeline',
  role: 'serving.vpo.dev/role',
  backend: 'serving.vpo.dev/backend',
} as const;

/** Annotation on a backend group's objects: the pipelines it serves, comma-separated. */
export const PIPELINES_ANNOTATION = 'serving.vpo.dev/pipelines';

export const MANAGED_BY = 'vpo-operator';
export const FIELD_MANAGER = 'vpo-operator';
export const FINALIZER = 'serving.vpo.dev/cleanup';

const maxDnsLabel = 63;

/** FNV-1a, 32 bits, as 7 base-36 characters: short, stable, pure. */
export function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36).padStart(7, '0');
}

export function childName(pipeline: string, suffix: string): string {
  const full = `${pipeline}-${suffix}`;
  if (full.length <= maxDnsLabel) return full;
  return `${full.slice(0, maxDnsLabel - 8).replace(/-+$/, '')}-${shortHash(full)}`;
}

export const configMapName = (pipeline: string): string => childName(pipeline, 'config');
export const ingestName = (pipeline: string): string => childName(pipeline, 'ingest');
export const metricsServiceName = (pipeline: string): string => childName(pipeline, 'metrics');
/** Backend group names come from the plan (`<pipeline>-b<i>`, `shared-b<i>`); kept short the same way. */
export const backendName = (group: string): string =>
  group.length <= maxDnsLabel ? group : `${group.slice(0, maxDnsLabel - 8)}-${shortHash(group)}`;
/** The ConfigMap holding a backend group's runtime file (no pipeline child ends in -runtime). */
export const backendConfigName = (group: string): string => childName(backendName(group), 'runtime');
/** One Service per namespace over every backend pod (their metrics are labelled by pipeline). */
export const BACKENDS_SERVICE = 'vpo-backends';

/** Labels every backend pod of a namespace carries; no pipeline label: a group may serve several. */
export function backendLabels(group: string): Record<string, string> {
  return {
    [LABELS.name]: 'vpo',
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.role]: 'backend',
    [LABELS.backend]: backendName(group),
  };
}

export function pipelineLabels(pipeline: string): Record<string, string> {
  return {
    [LABELS.name]: 'vpo',
    [LABELS.managedBy]: MANAGED_BY,
    // Label values are at most 63 characters too.
    [LABELS.pipeline]: pipeline.length <= maxDnsLabel ? pipeline : childName(pipeline, 'p'),
  };
}
