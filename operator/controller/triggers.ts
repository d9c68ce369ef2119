// Which changes reconcile what (pure). Status-only updates of a pipeline (our own writes) do not
// requeue it; a resync (same resourceVersion) does. Node changes that matter to planning (added,
// removed, cordoned, GPUs or labels changed) re-plan every namespace. A session change re-plans
// its namespace and reconciles the pipelines that reference it.
import type { KubeObject } from '../kube/types.ts';

export function pipelineNeedsReconcile(obj: KubeObject, previous: KubeObject | undefined): boolean {
  if (!previous) return true;
  const a = previous.metadata;
  const b = obj.metadata;
  if (a.resourceVersion === b.resourceVersion) return true; // periodic resync
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    JSON.stringify(a.finalizers ?? []) !== JSON.stringify(b.finalizers ?? [])
  );
}

const nodeFacts = (n: KubeObject) => {
  const status = n.status as { allocatable?: Record<string, string> } | undefined;
  return JSON.stringify([
    (n.spec as { unschedulable?: boolean } | undefined)?.unschedulable === true,
    status?.allocatable?.['nvidia.com/gpu'] ?? '0',
    n.metadata.labels ?? {},
  ]);
};

export function nodeChangeMatters(
  obj: KubeObject,
  previous: KubeObject | undefined,
  deleted: boolean,
): boolean {
  return deleted || !previous || nodeFacts(obj) !== nodeFacts(previous);
}

/** Session keys (`namespace/name`) a pipeline references. */
export function sessionKeysOf(pipeline: KubeObject): string[] {
  const ns = pipeline.metadata.namespace ?? 'default';
  const stages =
    (pipeline.spec as { stages?: { sessionRef?: { name?: string } }[] } | undefined)?.stages ?? [];
  return [...new Set(stages.flatMap((s) => (s.sessionRef?.name ? [`${ns}/${s.sessionRef.name}`] : [])))];
}

function ownerKey(obj: KubeObject, kind: string): string | undefined {
  const refs = (obj.metadata.ownerReferences ?? []) as {
    kind?: string;
    name?: string;
    controller?: boolean;
  }[];
  const owner = refs.find((r) => r.kind === kind && r.controller);
  return owner?.name ? `${obj.metadata.namespace}/${owner.name}` : undefined;
}

/** The pipelines that own a Deployment: its ingest's one, or every pipeline a backend group serves. */
export function ownerPipelineKeys(obj: KubeObject): string[] {
  const refs = (obj.metadata.ownerReferences ?? []) as { kind?: string; name?: string }[];
  return refs
    .filter((r) => r.kind === 'VideoPipeline' && r.name)
    .map((r) => `${obj.metadata.namespace}/${r.name}`);
}

/** The session that owns a profiling Job (by its controller owner reference). */
export const ownerSessionKey = (obj: KubeObject): string | undefined => ownerKey(obj, 'ModelSession');
