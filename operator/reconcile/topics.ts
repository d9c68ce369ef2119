// The Kafka topics of a planned pipeline (pure): names from the shared topic-names module,
// partitions from the plan via the shared settings (enough for the largest replica count, with
// headroom, so scaling out within it needs no re-partitioning).

import type { VideoPipeline } from '../../contract/crd-types.generated.ts';
import type { RuntimeFile } from '../../contract/runtime-file.ts';
import {
  allTopics,
  consumerGroupName,
  type PipelineTopics,
  pipelineTopics,
} from '../../contract/topic-names.ts';
import type { TopicSpec } from '../../kafka/admin.ts';
import { fanOutTopics } from '../load/fan-out-observed.ts';
import type { PipelineLoadTopics } from '../load/observer.ts';

export function topicsOf(pipeline: VideoPipeline): PipelineTopics {
  const spec = pipeline.spec;
  return pipelineTopics({
    namespace: pipeline.metadata.namespace ?? 'default',
    name: pipeline.metadata.name,
    stages: spec.stages.map((s) => s.name),
    ...(spec.source?.kafkaTopic ? { sourceTopic: spec.source.kafkaTopic } : {}),
    ...(spec.output?.kafkaTopic ? { outputTopic: spec.output.kafkaTopic } : {}),
    ...(spec.deadLetter?.kafkaTopic ? { deadLetterTopic: spec.deadLetter.kafkaTopic } : {}),
  });
}

/**
 * New topics get the settings' partitions (headroom over the plan's consumers); an existing topic
 * grows (to that count) only once the plan's consumers outnumber its partitions, so a re-plan
 * within the headroom leaves the topics, and the key → partition mapping, as they are.
 */
export function topicSpecs(pipeline: VideoPipeline, file: RuntimeFile): TopicSpec[] {
  // The runtime file the pods get (rendered once per reconcile): its Kafka settings are theirs.
  const { partitions, consumersPerStage } = file.kafka.settings;
  const consumers = consumersPerStage * Math.max(1, ...file.runtime.stages.map((s) => s.replicas));
  return allTopics(topicsOf(pipeline)).map((topic) => ({ topic, partitions, growBelow: consumers }));
}

export function loadTopics(key: string, pipeline: VideoPipeline): PipelineLoadTopics {
  const topics = topicsOf(pipeline);
  const ns = pipeline.metadata.namespace ?? 'default';
  return {
    key,
    sourceTopic: topics.source,
    outputTopic: topics.output,
    stages: pipeline.spec.stages.map((s) => ({
      group: consumerGroupName(ns, pipeline.metadata.name, s.name),
      topic: topics.stages[s.name]!,
    })),
    fanOuts: fanOutTopics(pipeline, (stage) => topics.stages[stage]!),
  };
}
