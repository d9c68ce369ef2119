// The runtime file: what `vpo runtime --config FILE` reads and what the operator renders into the
// pipeline's ConfigMap. One pure function builds it from the manifests, the plan and the Kafka
// settings, so the operator and the runtime cannot drift. Format: docs/kafka.md "Runtime file".
import type { ModelSession, VideoPipeline } from '../../operator/api/types.generated.ts';
import type { Plan } from '../../operator/planner/types.ts';
import { type RuntimeConfigOptions, runtimeConfigFromPlan } from '../config/from-plan.ts';
import type { RuntimeConfig } from '../config/runtime-config.ts';
import {
  type KafkaSettings,
  type KafkaSettingsOptions,
  kafkaSettingsFromConfig,
} from '../transport/kafka/settings.ts';
import { pipelineTopics } from '../transport/kafka/topic-names.ts';

export const RUNTIME_FILE_VERSION = 1;

export interface RuntimeFileKafka {
  brokers: string[];
  ssl?: boolean;
  /** With ssl: environment variables holding a PEM CA bundle, client certificate and key. */
  sslEnv?: { ca?: string; cert?: string; key?: string };
  /** The password is never in the file: the process reads it from the environment variable. */
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; passwordEnv: string };
  /** Create or grow the pipeline's topics at start (the operator does it in a cluster). */
  createTopics: boolean;
  settings: KafkaSettings;
}

export interface RuntimeFile {
  version: typeof RUNTIME_FILE_VERSION;
  runtime: RuntimeConfig;
  kafka: RuntimeFileKafka;
  /** The frame store directory shared by ingest and backends (a volume in a cluster). */
  frameStore: { root: string };
  /** Prefix of absolute file:// model URIs (docs/conventions.md "Paths"). */
  modelRoot?: string;
}

export interface RuntimeFileInput {
  pipeline: VideoPipeline;
  sessions: ModelSession[];
  plan: Plan;
  kafka: Omit<RuntimeFileKafka, 'settings' | 'createTopics'> & { createTopics?: boolean };
  frameStoreRoot: string;
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
    frameStore: { root: input.frameStoreRoot },
    ...(input.modelRoot ? { modelRoot: input.modelRoot } : {}),
  };
}

/** Checks what a file parsed into; throws naming the field at fault. */
export function checkRuntimeFile(value: unknown, where: string): RuntimeFile {
  const fail = (field: string, why: string): never => {
    throw new Error(`${where}: ${field} ${why}`);
  };
  if (typeof value !== 'object' || value === null) return fail('(root)', 'must be an object');
  const file = value as Partial<RuntimeFile>;
  if (file.version !== RUNTIME_FILE_VERSION) fail('version', `must be ${RUNTIME_FILE_VERSION}`);
  if (typeof file.runtime !== 'object' || !Array.isArray(file.runtime?.stages))
    fail('runtime', 'must be a runtime config');
  const kafka = file.kafka;
  if (!Array.isArray(kafka?.brokers) || kafka.brokers.length === 0)
    fail('kafka.brokers', 'must list brokers');
  if (typeof kafka?.settings?.partitions !== 'number') fail('kafka.settings', 'must be Kafka settings');
  if (typeof file.frameStore?.root !== 'string') fail('frameStore.root', 'must be a directory');
  return file as RuntimeFile;
}
