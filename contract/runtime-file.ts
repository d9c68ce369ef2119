// The runtime file: what `vpo runtime --config FILE` reads and what the operator renders into the
// pipeline's ConfigMap (operator/render/runtime-file.ts builds it from the manifests, the plan and
// the Kafka settings). This file is its schema and its validation. Format: docs/kafka.md "Runtime file".
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

export interface RuntimeFile {
  version: typeof RUNTIME_FILE_VERSION;
  runtime: RuntimeConfig;
  kafka: RuntimeFileKafka;
  /** Where the pipeline's frames live, shared by ingest and backends (a volume in a cluster). */
  frameStore: FrameStoreSpec;
  /** Prefix of absolute file:// model URIs (docs/conventions.md "Paths"). */
  modelRoot?: string;
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
