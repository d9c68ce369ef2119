// The runtime file: what `vpo runtime --config FILE` reads and what the operator renders into
// ConfigMaps (operator/render/runtime-file.ts builds it from the manifests, the plan and the Kafka
// settings): a pipeline's file for its ingest pods and `vpo run` (one pipeline), and a backend
// group's file for the group's pods, which carries every pipeline of the namespace whose sessions
// the group hosts. This file is its schema and its validation. Format: docs/kafka.md "Runtime file".
import type { FrameStoreSpec } from './frame-store.ts';
import type { KafkaSettings } from './kafka-settings.ts';
import type { RuntimeConfig } from './runtime-config.ts';

export const RUNTIME_FILE_VERSION = 1;

export interface RuntimeFileKafka {
  brokers: string[];
  ssl?: boolean;
  /** With ssl: environment variables holding a PEM CA bundle, client certificate and key. */
  sslEnv?: { ca?: string; cert?: string; key?: string };
  /**
   * The password is never in the file: the process reads it from `passwordEnv`. The username is
   * either in the file (the operator's own principal, for setups without per-namespace
   * credentials) or read from `usernameEnv` (the namespace's own principal).
   */
  sasl?: {
    mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    username?: string;
    usernameEnv?: string;
    passwordEnv: string;
  };
  /** SASL over a connection without TLS sends credentials in clear: refused unless this says so. */
  allowSaslWithoutTls?: boolean;
  /** Create or grow the pipeline's topics at start (the operator does it in a cluster). */
  createTopics: boolean;
  settings: KafkaSettings;
}

/** One pipeline a process serves, with the Kafka settings of its own topics. */
export interface HostedPipeline {
  runtime: RuntimeConfig;
  kafkaSettings: KafkaSettings;
}

export interface RuntimeFile {
  version: typeof RUNTIME_FILE_VERSION;
  /** The pipeline; in a backend group's file, the first (by name) of the pipelines it hosts. */
  runtime: RuntimeConfig;
  /** Brokers and credentials for every pipeline; `settings` are `runtime`'s. */
  kafka: RuntimeFileKafka;
  /**
   * A backend group's file only: the other pipelines of the namespace whose sessions the group
   * hosts, each with its own topics, output, dead-letter topic, deadlines and Kafka settings. In
   * every hosted pipeline's `backends` the group lists that pipeline's sessions on it.
   */
  otherPipelines?: HostedPipeline[];
  /** Where the pipeline's frames live, shared by ingest and backends (a volume in a cluster). */
  frameStore: FrameStoreSpec;
  /** Prefix of absolute file:// model URIs (docs/conventions.md "Paths"). */
  modelRoot?: string;
}

/** Every pipeline the file serves: `runtime` first, then `otherPipelines`. */
export function filePipelines(file: RuntimeFile): HostedPipeline[] {
  return [{ runtime: file.runtime, kafkaSettings: file.kafka.settings }, ...(file.otherPipelines ?? [])];
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
  if (file.otherPipelines !== undefined) {
    if (!Array.isArray(file.otherPipelines)) fail('otherPipelines', 'must be a list');
    const names = new Set([pipelineKey(file.runtime as RuntimeConfig)]);
    for (const [i, other] of (file.otherPipelines ?? []).entries()) {
      if (typeof other?.runtime !== 'object' || !Array.isArray(other.runtime?.stages))
        fail(`otherPipelines[${i}].runtime`, 'must be a runtime config');
      if (typeof other.kafkaSettings?.partitions !== 'number')
        fail(`otherPipelines[${i}].kafkaSettings`, 'must be Kafka settings');
      const key = pipelineKey(other.runtime as RuntimeConfig);
      if (names.has(key)) fail(`otherPipelines[${i}].runtime.pipeline`, `repeats ${key}`);
      names.add(key);
    }
  }
  return file as RuntimeFile;
}

const pipelineKey = (config: RuntimeConfig): string =>
  `${config.pipeline?.namespace ?? ''}/${config.pipeline?.name ?? ''}`;
