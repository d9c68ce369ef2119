// What both runtime roles set up the same way: the frame store, the Kafka transport (topics
// created first when the file says so), and the HTTP server (/healthz, /readyz, /metrics).
import type { FastifyInstance } from 'fastify';
import type { FrameStoreSpec } from '../../contract/frame-store.ts';
import type { MemberDeclaration } from '../../contract/member-metadata.ts';
import { type RuntimeConfig, waitingTopics } from '../../contract/runtime-config.ts';
import type { HostedPipeline, RuntimeFile } from '../../contract/runtime-file.ts';
import { allTopics, topicPrefix } from '../../contract/topic-names.ts';
import { createKafkaAdmin } from '../../kafka/admin.ts';
import type { KafkaConnection } from '../../kafka/connection.ts';
import { createS3ObjectStore, type ObjectStore } from '../../objectstore/s3-client.ts';
import type { Clock } from '../clock.ts';
import type { FrameStore } from '../framestore/framestore.ts';
import { openFrameStore as openStore } from '../framestore/open.ts';
import type { Readiness } from '../http/routes/health.ts';
import type { VideoSubmitter } from '../http/routes/videos.ts';
import { buildApiApp, buildOpsApp } from '../http/server.ts';
import type { Logger } from '../logger.ts';
import type { RuntimeMetrics } from '../metrics.ts';
import { KafkaTransport } from '../transport/kafka/kafka-transport.ts';

export interface RoleDeps {
  clock: Clock;
  logger: Logger;
  metrics: RuntimeMetrics;
  /** SASL password (read once from the environment by the CLI). */
  saslPassword?: string;
  /** SASL username when the file names kafka.sasl.usernameEnv (read once by the CLI). */
  saslUsername?: string;
  /** PEM material named by kafka.sslEnv (read once from the environment by the CLI). */
  tls?: { ca?: string; cert?: string; key?: string };
  /** Object-store credentials named by objectStore.credentialsEnv (read once by the CLI). */
  s3Credentials?: { accessKeyId: string; secretAccessKey: string };
  clientId: string;
  /** The ingest API's bearer token (read once from source.httpTokenEnv by the CLI). */
  apiToken?: string;
}

export interface RoleListen {
  host: string;
  /** Ops: /healthz, /readyz, /metrics. 0 picks a free port. */
  port: number;
  /** Ingest API (POST /v1/videos), its own port so policies can open it alone. 0 picks one. */
  apiPort?: number;
}

export interface RunningRole {
  /** The address of the ops server (/healthz, /readyz, /metrics). */
  url: string;
  /** The ingest API's address, when this role serves it. */
  apiUrl?: string;
  transport: KafkaTransport;
  close(): Promise<void>;
}

export function connectionOf(file: RuntimeFile, deps: RoleDeps): KafkaConnection {
  const { sasl, sslEnv } = file.kafka;
  if (sasl && !file.kafka.ssl && !file.kafka.allowSaslWithoutTls)
    throw new Error(
      'kafka.sasl without kafka.ssl would send credentials in clear: turn TLS on, or set kafka.allowSaslWithoutTls',
    );
  if (sasl && deps.saslPassword === undefined)
    throw new Error(`kafka.sasl: the password environment variable ${sasl.passwordEnv} is not set`);
  const username = sasl?.usernameEnv ? deps.saslUsername : sasl?.username;
  if (sasl && !username)
    throw new Error(
      sasl.usernameEnv
        ? `kafka.sasl: the username environment variable ${sasl.usernameEnv} is not set`
        : 'kafka.sasl: needs username or usernameEnv',
    );
  for (const part of ['ca', 'cert', 'key'] as const)
    if (file.kafka.ssl && sslEnv?.[part] && !deps.tls?.[part])
      throw new Error(`kafka.sslEnv.${part}: the environment variable ${sslEnv[part]} is not set`);
  return {
    brokers: file.kafka.brokers,
    clientId: deps.clientId,
    ...(file.kafka.ssl ? { ssl: file.kafka.sslEnv ? { ...deps.tls } : true } : {}),
    ...(sasl
      ? { sasl: { mechanism: sasl.mechanism, username: username ?? '', password: deps.saslPassword ?? '' } }
      : {}),
  };
}

export async function ensurePipelineTopics(file: RuntimeFile, connection: KafkaConnection): Promise<void> {
  const config = file.runtime;
  const admin = await createKafkaAdmin(connection);
  try {
    const topics = allTopics({
      ...config.topics,
      stages: Object.fromEntries([...config.stages, ...(config.gathers ?? [])].map((s) => [s.name, s.topic])),
    });
    await admin.ensureTopics(topics.map((topic) => ({ topic, partitions: file.kafka.settings.partitions })));
  } finally {
    await admin.close();
  }
}

export async function connectTransport(
  file: RuntimeFile,
  deps: RoleDeps,
  gateOutput: boolean,
  declare?: (topic: string) => MemberDeclaration | undefined,
  /** How long a consumer may go without a fetch or a finished chunk before it counts as stalled. */
  stalledAfterMs?: number,
): Promise<KafkaTransport> {
  const connection = connectionOf(file, deps);
  if (file.kafka.createTopics) await ensurePipelineTopics(file, connection);
  const config: RuntimeConfig = file.runtime;
  return KafkaTransport.connect({
    connection,
    settings: file.kafka.settings,
    topics: { deadLetter: config.topics.deadLetter, output: config.topics.output },
    retry: { maxRetries: config.deadLetter.maxRetries, backoffMs: config.deadLetter.retryBackoffMs },
    gateOutput,
    groupPrefix: topicPrefix(config.pipeline.namespace, config.pipeline.name),
    // Joins and gathers: their inputs stay uncommitted until the video's result is out.
    holdTopics: waitingTopics(config),
    clock: deps.clock,
    logger: deps.logger,
    onDeadLetters: (letters) => {
      const pipeline = config.pipeline.name;
      for (const l of letters)
        deps.metrics.deadLettersTotal.inc({ pipeline, stage: l.stage, reason: l.reason });
    },
    ...(declare ? { declare } : {}),
    ...(stalledAfterMs !== undefined ? { stalledAfterMs } : {}),
  });
}

/** The runtime file's object store, or undefined when it names none. */
export function openObjectStore(file: RuntimeFile, deps: RoleDeps): ObjectStore | undefined {
  const spec = file.objectStore;
  if (!spec) return undefined;
  if (spec.credentialsEnv && !deps.s3Credentials)
    throw new Error(
      `objectStore.credentialsEnv: the environment variables ${spec.credentialsEnv.accessKeyId} and ${spec.credentialsEnv.secretAccessKey} are not both set`,
    );
  return createS3ObjectStore({
    region: spec.region,
    ...(spec.endpoint ? { endpoint: spec.endpoint } : {}),
    ...(spec.forcePathStyle ? { forcePathStyle: true } : {}),
    ...(deps.s3Credentials ? { credentials: deps.s3Credentials } : {}),
  });
}

export function openFrameStore(
  file: RuntimeFile,
  deps: RoleDeps,
  objectStore: ObjectStore | undefined,
): Promise<FrameStore> {
  return openStore(file.frameStore, file.runtime.frameStore.ttlSeconds, {
    metrics: deps.metrics,
    clock: () => deps.clock.nowMs(),
    ...(objectStore ? { objectStore } : {}),
  });
}

/**
 * The frame store of each hosted pipeline, by pipeline name: a backend group's pipelines may keep
 * their frames in different places (s3 prefixes per pipeline), and frame refs are relative to
 * their pipeline's store. Pipelines with the same spec and TTL share one store object.
 */
export async function openFrameStores(
  pipelines: (HostedPipeline & { frameStore: FrameStoreSpec })[],
  deps: RoleDeps,
  objectStore: ObjectStore | undefined,
): Promise<Map<string, FrameStore>> {
  const opened = new Map<string, FrameStore>();
  const byPipeline = new Map<string, FrameStore>();
  for (const p of pipelines) {
    const ttlSeconds = p.runtime.frameStore.ttlSeconds;
    const key = JSON.stringify([p.frameStore, ttlSeconds]);
    let store = opened.get(key);
    if (!store) {
      store = await openStore(p.frameStore, ttlSeconds, {
        metrics: deps.metrics,
        clock: () => deps.clock.nowMs(),
        ...(objectStore ? { objectStore } : {}),
      });
      opened.set(key, store);
    }
    byPipeline.set(p.runtime.pipeline.name, store);
  }
  return byPipeline;
}

/** The ops server (/healthz, /readyz, /metrics) on `listen.port`. */
export async function serveOps(
  listen: RoleListen,
  deps: RoleDeps,
  readiness: () => Readiness,
): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildOpsApp({ metrics: deps.metrics, readiness });
  const url = await app.listen({ host: listen.host, port: listen.port });
  return { app, url };
}

/** The ingest API (POST /v1/videos) on `listen.apiPort`, with the token when one is configured. */
export async function serveApi(
  listen: RoleListen,
  deps: RoleDeps,
  videos: VideoSubmitter,
): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildApiApp({ videos, ...(deps.apiToken !== undefined ? { token: deps.apiToken } : {}) });
  const url = await app.listen({ host: listen.host, port: listen.apiPort ?? 0 });
  return { app, url };
}
