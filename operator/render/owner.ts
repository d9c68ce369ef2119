// Owner references and object metadata of a pipeline's children. Pure.
import type { ObjectMeta, OwnerReference, VideoPipeline } from '../../contract/crd-types.generated.ts';
import { pipelineLabels } from './names.ts';

export function ownerReference(pipeline: VideoPipeline, controller = true): OwnerReference {
  return {
    apiVersion: 'serving.vpo.dev/v1alpha1',
    kind: 'VideoPipeline',
    name: pipeline.metadata.name,
    uid: pipeline.metadata.uid ?? '',
    controller,
    blockOwnerDeletion: true,
  };
}

/**
 * Metadata of an object several pipelines of a namespace share (a backend group): every one of
 * them is an owner and none the controller, so the object lives while any of them does and the
 * garbage collector removes it with the last (ownerReferences, Kubernetes garbage collection).
 */
export function sharedMetadata(
  namespace: string,
  name: string,
  owners: VideoPipeline[],
  labels: Record<string, string>,
  annotations: Record<string, string> = {},
): ObjectMeta & { namespace: string } {
  const sorted = [...owners].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  return {
    name,
    namespace,
    labels,
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    ownerReferences: sorted.map((p) => ownerReference(p, false)),
  };
}

export function childMetadata(
  pipeline: VideoPipeline,
  name: string,
  labels: Record<string, string> = {},
): ObjectMeta & { namespace: string } {
  return {
    name,
    namespace: pipeline.metadata.namespace ?? 'default',
    labels: { ...pipelineLabels(pipeline.metadata.name), ...labels },
    ownerReferences: [ownerReference(pipeline)],
  };
}
