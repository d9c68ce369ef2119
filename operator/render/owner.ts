// Owner references and object metadata of a pipeline's children. Pure.
import type { ObjectMeta, OwnerReference, VideoPipeline } from '../../contract/crd-types.generated.ts';
import { pipelineLabels } from './names.ts';

export function ownerReference(pipeline: VideoPipeline): OwnerReference {
  return {
    apiVersion: 'serving.vpo.dev/v1alpha1',
    kind: 'VideoPipeline',
    name: pipeline.metadata.name,
    uid: pipeline.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
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
