// The runtime file: what `vpo runtime --config FILE` reads and what the operator renders into the
// pipeline's ConfigMap (operator/render/runtime-file.ts builds it from the manifests, the plan and
// the Kafka settings). This file is its schema and its validation. Format: docs/kafka.md "Runtime file".
import type { FrameStoreSpec } from './frame-store.ts';
import type { KafkaSettings } from './kafka-settings.ts';
import { S3_BUCKET_PATTERN, type S3ConnectionSpec, s3ConnectionProblems } from './object-store.ts';
import type { RuntimeConfig } from './runtime-config.ts';

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
  /** Where the pipeline's frames live, shared by ingest and backends (a volume or an object store). */
  frameStore: FrameStoreSpec;
  /** The object store of an s3 frame store and of s3:// source and model URIs. */
  objectStore?: S3ConnectionSpec;
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
  if (file.objectStore !== undefined) {
    const problems = s3ConnectionProblems(file.objectStore);
    if (problems.length > 0) fail('objectStore', problems.join('; '));
  }
  const store = file.frameStore as Partial<FrameStoreSpec> | undefined;
  if (store?.kind === 's3') {
    if (typeof store.bucket !== 'string' || !S3_BUCKET_PATTERN.test(store.bucket))
      fail('frameStore.bucket', 'must be an S3 bucket name');
    if (typeof store.prefix !== 'string' || (store.prefix !== '' && !store.prefix.endsWith('/')))
      fail('frameStore.prefix', "must be empty or end with '/'");
    if (file.objectStore === undefined) fail('objectStore', 'is required by an s3 frame store');
  } else if (store?.kind !== undefined && store.kind !== 'dir') {
    fail('frameStore.kind', "must be 'dir' or 's3'");
  } else if (typeof (store as { root?: unknown } | undefined)?.root !== 'string') {
    fail('frameStore.root', 'must be a directory');
  }
  return file as RuntimeFile;
}
