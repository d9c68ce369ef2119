// The pipeline finalizer: added before anything is created; on deletion it deletes the
// pipeline's Kafka topics when spec.cleanup.deleteTopics is true, then lets the object go
// (children go with it through their owner references).

import { allTopics } from '../../contract/topic-names.ts';
import { asVideoPipeline } from '../api/objects.ts';
import { objectPath, PIPELINES } from '../kube/paths.ts';
import type { KubeApi, KubeObject } from '../kube/types.ts';
import { FINALIZER } from '../render/names.ts';
import type { TopicAdmin } from './context.ts';
import { topicsOf } from './topics.ts';

const pathOf = (obj: KubeObject) => objectPath(PIPELINES, obj.metadata.namespace, obj.metadata.name);

export async function ensureFinalizer(api: KubeApi, obj: KubeObject): Promise<KubeObject> {
  const finalizers = obj.metadata.finalizers ?? [];
  if (finalizers.includes(FINALIZER)) return obj;
  // resourceVersion makes it a compare-and-swap: a concurrent change gives 409 and a retry.
  return api.mergePatch(pathOf(obj), {
    metadata: { finalizers: [...finalizers, FINALIZER], resourceVersion: obj.metadata.resourceVersion },
  });
}

/** Returns the topics it deleted. */
export async function finalize(api: KubeApi, topics: TopicAdmin, obj: KubeObject): Promise<string[]> {
  const finalizers = obj.metadata.finalizers ?? [];
  if (!finalizers.includes(FINALIZER)) return [];
  const pipeline = asVideoPipeline(obj);
  let deleted: string[] = [];
  if (pipeline.spec.cleanup?.deleteTopics === true) {
    deleted = allTopics(topicsOf(pipeline));
    await topics.deleteTopics(deleted);
  }
  await api.mergePatch(pathOf(obj), {
    metadata: {
      finalizers: finalizers.filter((f) => f !== FINALIZER),
      resourceVersion: obj.metadata.resourceVersion,
    },
  });
  return deleted;
}
