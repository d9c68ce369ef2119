// The Kafka topics of a planned pipeline (pure): names from the shared topic-names module,
// partitions from the plan via the shared settings (enough for the largest replica count, with
// headroom, so scaling out needs no re-partitioning).

import { runtimeConfigFromPlan } from '../../runtime/config/from-plan.ts';
import type { TopicSpec } from '../../runtime/transport/kafka/admin.ts';
import { kafkaSettingsFromConfig } from '../../runtime/transport/kafka/settings.ts';
import {
  allTopics,
  consumerGroupName,
  type PipelineTopics,
  pipelineTopics,
} from '../../runtime/transport/kafka/topic-names.ts';
import type { ModelSession, VideoPipeline } from '../api/types.generated.ts';
import type { PipelineLoadTopics } from '../load/observer.ts';
import type { Plan } from '../planner/types.ts';

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

export function topicSpecs(pipeline: VideoPipeline, sessions: ModelSession[], plan: Plan): TopicSpec[] {
  const { partitions } = kafkaSettingsFromConfig(runtimeConfigFromPlan(pipeline, sessions, plan));
  return allTopics(topicsOf(pipeline)).map((topic) => ({ topic, partitions }));
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
  };
}
