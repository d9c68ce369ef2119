// Renders the runtime file from the manifests, the plan and the Kafka settings: one pure function,
// so the operator's ConfigMap and `vpo run` cannot drift. Schema: contract/runtime-file.ts.
import type { ModelSession, VideoPipeline } from '../../contract/crd-types.generated.ts';
import type { FrameStoreSpec } from '../../contract/frame-store.ts';
import { type KafkaSettingsOptions, kafkaSettingsFromConfig } from '../../contract/kafka-settings.ts';
import type { S3ConnectionSpec } from '../../contract/object-store.ts';
import type { RuntimeConfig } from '../../contract/runtime-config.ts';
import {
  RUNTIME_FILE_VERSION,
  type RuntimeFile,
  type RuntimeFileKafka,
} from '../../contract/runtime-file.ts';
import { pipelineTopics } from '../../contract/topic-names.ts';
import type { Plan } from '../planner/types.ts';
import { type RuntimeConfigOptions, runtimeConfigFromPlan } from './runtime-config.ts';

export interface RuntimeFileInput {
  pipeline: VideoPipeline;
  sessions: ModelSession[];
  plan: Plan;
  kafka: Omit<RuntimeFileKafka, 'settings' | 'createTopics'> & { createTopics?: boolean };
  frameStoreRoot: string;
  /** Another frame store than the directory `frameStoreRoot` (an s3 one). */
  frameStore?: FrameStoreSpec;
  objectStore?: S3ConnectionSpec;
  modelRoot?: string;
  runtimeOptions?: RuntimeConfigOptions;
  kafkaOptions?: KafkaSettingsOptions;
}

export function renderRuntimeFile(input: RuntimeFileInput): RuntimeFile {
  const config = runtimeConfigFromPlan(input.pipeline, input.sessions, input.plan, input.runtimeOptions);
  const spec = input.pipeline.spec;
  const topics = pipelineTopics({
    namespace: config.pipeline.namespace,
    name: config.pipeline.name,
    stages: config.stages.map((s) => s.name),
    ...(spec.source?.kafkaTopic ? { sourceTopic: spec.source.kafkaTopic } : {}),
    ...(spec.output?.kafkaTopic ? { outputTopic: spec.output.kafkaTopic } : {}),
    ...(spec.deadLetter?.kafkaTopic ? { deadLetterTopic: spec.deadLetter.kafkaTopic } : {}),
  });
  const runtime: RuntimeConfig = {
    ...config,
    topics: { source: topics.source, output: topics.output, deadLetter: topics.deadLetter },
    stages: config.stages.map((s) => ({ ...s, topic: topics.stages[s.name] ?? s.topic })),
  };
  const { createTopics, ...kafka } = input.kafka;
  return {
    version: RUNTIME_FILE_VERSION,
    runtime,
    kafka: {
      ...kafka,
      brokers: [...kafka.brokers],
      createTopics: createTopics ?? false,
      settings: kafkaSettingsFromConfig(runtime, input.kafkaOptions),
    },
    frameStore: input.frameStore ?? { root: input.frameStoreRoot },
    ...(input.objectStore ? { objectStore: input.objectStore } : {}),
    ...(input.modelRoot ? { modelRoot: input.modelRoot } : {}),
  };
}
