// Kafka topic names of a pipeline, derived deterministically from its namespace, name and stage
// names (pure: the operator creates the topics the runtime reads, and both call this). Stage
// topics are `vpo.<namespace>.<pipeline>.stage.<stage>`; source, output and dead-letter topics are
// the spec's `kafkaTopic` when given, else `vpo.<namespace>.<pipeline>.{source,results,dead}`
// (the same names runtimeConfigFromPlan writes into the runtime config). Consumer groups are
// `vpo.<namespace>.<pipeline>.<stage>` (the executor's default).
import { createHash } from 'node:crypto';

/** Kafka's limit on a topic name (legal characters: ASCII letters, digits, `.`, `_`, `-`). */
export const MAX_TOPIC_NAME_LENGTH = 249;

const illegal = /[^a-zA-Z0-9._-]/g;

/**
 * A legal topic name for `wanted`: illegal characters become `_`; a name past 249 characters is
 * cut and ends with 16 hex digits of its SHA-256, so two long names still differ. `.` and `..`
 * (reserved by Kafka) become `_` and `__`.
 */
export function legalTopicName(wanted: string): string {
  let name = wanted.replace(illegal, '_');
  if (name === '') name = '_';
  if (name === '.' || name === '..') name = name.replace(/\./g, '_');
  if (name.length <= MAX_TOPIC_NAME_LENGTH) return name;
  const digest = createHash('sha256').update(wanted).digest('hex').slice(0, 16);
  return `${name.slice(0, MAX_TOPIC_NAME_LENGTH - 17)}-${digest}`;
}

export function isLegalTopicName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= MAX_TOPIC_NAME_LENGTH &&
    name !== '.' &&
    name !== '..' &&
    !/[^a-zA-Z0-9._-]/.test(name)
  );
}

export interface PipelineTopicInput {
  namespace: string;
  name: string;
  stages: string[];
  /** spec.source.kafkaTopic, spec.output.kafkaTopic, spec.deadLetter.kafkaTopic when set. */
  sourceTopic?: string;
  outputTopic?: string;
  deadLetterTopic?: string;
}

export interface PipelineTopics {
  source: string;
  output: string;
  deadLetter: string;
  /** Input topic of every stage, by stage name. A join's inputs all publish into its one topic. */
  stages: Record<string, string>;
}

export function topicPrefix(namespace: string, pipeline: string): string {
  return `vpo.${namespace}.${pipeline}`;
}

export function stageTopicName(namespace: string, pipeline: string, stage: string): string {
  return legalTopicName(`${topicPrefix(namespace, pipeline)}.stage.${stage}`);
}

export function consumerGroupName(namespace: string, pipeline: string, stage: string): string {
  return `${topicPrefix(namespace, pipeline)}.${stage}`;
}

export function pipelineTopics(input: PipelineTopicInput): PipelineTopics {
  const prefix = topicPrefix(input.namespace, input.name);
  return {
    source: legalTopicName(input.sourceTopic ?? `${prefix}.source`),
    output: legalTopicName(input.outputTopic ?? `${prefix}.results`),
    deadLetter: legalTopicName(input.deadLetterTopic ?? `${prefix}.dead`),
    stages: Object.fromEntries(
      input.stages.map((stage) => [stage, stageTopicName(input.namespace, input.name, stage)]),
    ),
  };
}

/** Every topic of a pipeline, each once, in a stable order (source, stages, output, dead letters). */
export function allTopics(topics: PipelineTopics): string[] {
  return [...new Set([topics.source, ...Object.values(topics.stages), topics.output, topics.deadLetter])];
}
