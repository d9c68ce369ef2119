import { existsSync } from 'node:fs';
import { startKafka } from './kafka/broker.ts';
import { brokerAnswers } from './kafka/ready.ts';
import { type S3Endpoint, s3Answers, startS3Server } from './s3/server.ts';

export type { S3Endpoint };

/** Addresses a test file uses. Test files run in parallel: give topics and groups unique names. */
export interface TestEnv {
  kafkaBootstrap: string;
  /** Absent when the suite did not ask for Kubernetes (integration suite). */
  kubeconfig: string | undefined;
}

export interface EnvironmentNeeds {
  kafka: boolean;
  kubernetes: boolean;
  /** An S3-compatible object store (SeaweedFS). */
  s3?: boolean;
}

export interface RunningEnvironment {
  kafkaBootstrap: string | undefined;
  kubeconfig: string | undefined;
  s3: S3Endpoint | undefined;
  /** Log files of what this environment started, for error messages. */
  logFiles: string[];
  /** Stops what this environment started (never what it reused). */
  stop(): Promise<void>;
}

interface KubernetesCluster {
  kubeconfig: string;
  stop(): Promise<void>;
}

interface KubernetesModule {
  startKubernetes(options?: { log?: (line: string) => void }): Promise<KubernetesCluster>;
}

/**
 * The addresses the global setup published (it sets KAFKA_BOOTSTRAP and KUBECONFIG before the
 * test processes start, and they inherit them). Throws a clear error when a test runs outside a
 * suite that set the environment up.
 */
export function getTestEnv(env: NodeJS.ProcessEnv = process.env): TestEnv {
  const kafkaBootstrap = env.KAFKA_BOOTSTRAP;
  if (!kafkaBootstrap) {
    throw new Error(
      'KAFKA_BOOTSTRAP is not set: run this file through `npm run test:integration` / `npm run test:e2e`, ' +
        'or export the lines printed by `npm run env:up`',
    );
  }
  return { kafkaBootstrap, kubeconfig: env.KUBECONFIG || undefined };
}

/** The variables that name an S3 endpoint (set by the global setup, `env:up`, or the user). */
export const S3_ENV = {
  endpoint: 'S3_ENDPOINT',
  region: 'S3_REGION',
  accessKeyId: 'S3_ACCESS_KEY_ID',
  secretAccessKey: 'S3_SECRET_ACCESS_KEY',
} as const;

/** The S3 endpoint of the environment variables, or undefined when S3_ENDPOINT is not set. */
export function s3FromEnv(env: NodeJS.ProcessEnv = process.env): S3Endpoint | undefined {
  const endpoint = env[S3_ENV.endpoint];
  if (!endpoint) return undefined;
  const accessKeyId = env[S3_ENV.accessKeyId];
  const secretAccessKey = env[S3_ENV.secretAccessKey];
  if (!accessKeyId || !secretAccessKey)
    throw new Error(`${S3_ENV.endpoint} is set: set ${S3_ENV.accessKeyId} and ${S3_ENV.secretAccessKey} too`);
  return { endpoint, region: env[S3_ENV.region] || 'us-east-1', accessKeyId, secretAccessKey };
}

/** The variables that publish `s3` to test processes. */
export function s3Env(s3: S3Endpoint): Record<string, string> {
  return {
    [S3_ENV.endpoint]: s3.endpoint,
    [S3_ENV.region]: s3.region,
    [S3_ENV.accessKeyId]: s3.accessKeyId,
    [S3_ENV.secretAccessKey]: s3.secretAccessKey,
  };
}

/** For test files that need the object store: the endpoint the suite set up (S3_ENDPOINT, …). */
export function getS3TestEnv(env: NodeJS.ProcessEnv = process.env): S3Endpoint {
  const s3 = s3FromEnv(env);
  if (!s3) {
    throw new Error(
      'S3_ENDPOINT is not set: run this file through `npm run test:integration` / `npm run test:e2e`, ' +
        'or export the lines printed by `npm run env:up`',
    );
  }
  return s3;
}

/** Like getTestEnv, for e2e files that need the API server too. */
export function getKubernetesTestEnv(env: NodeJS.ProcessEnv = process.env): TestEnv & { kubeconfig: string } {
  const testEnv = getTestEnv(env);
  if (!testEnv.kubeconfig) {
    throw new Error('KUBECONFIG is not set: run e2e files through `npm run test:e2e`');
  }
  return { ...testEnv, kubeconfig: testEnv.kubeconfig };
}

async function loadKubernetesModule(): Promise<KubernetesModule> {
  // Resolved at run time so this file type-checks and runs before e2e/env/k8s/ exists.
  const url = new URL('./k8s/cluster.ts', import.meta.url);
  try {
    return (await import(url.href)) as KubernetesModule;
  } catch (error) {
    throw new Error(
      `cannot load the Kubernetes test environment (${url.pathname}); set KUBECONFIG to use an existing cluster`,
      { cause: error },
    );
  }
}

async function reuseKafka(bootstrap: string): Promise<string> {
  if (!(await brokerAnswers(bootstrap))) {
    throw new Error(`KAFKA_BOOTSTRAP=${bootstrap} is set but no Kafka broker answers there`);
  }
  return bootstrap;
}

async function reuseS3(s3: S3Endpoint): Promise<S3Endpoint> {
  if (!(await s3Answers(s3)))
    throw new Error(`S3_ENDPOINT=${s3.endpoint} is set but no S3 store takes a write there with those keys`);
  return s3;
}

function reuseKubernetes(kubeconfig: string): string {
  if (!existsSync(kubeconfig)) throw new Error(`KUBECONFIG=${kubeconfig} is set but the file does not exist`);
  return kubeconfig;
}

/**
 * Starts what `needs` asks for, reusing KAFKA_BOOTSTRAP / KUBECONFIG / S3_ENDPOINT when `env`
 * sets them. Kafka, Kubernetes and S3 start side by side; if one fails, the others are stopped
 * before the error propagates, so a failed start leaves no process behind.
 */
export async function startEnvironment(
  needs: EnvironmentNeeds,
  env: NodeJS.ProcessEnv = process.env,
  ownerPid?: number,
): Promise<RunningEnvironment> {
  const stops: Array<() => Promise<void>> = [];
  const logFiles: string[] = [];
  const kafka = async (): Promise<string | undefined> => {
    if (!needs.kafka) return undefined;
    if (env.KAFKA_BOOTSTRAP) return reuseKafka(env.KAFKA_BOOTSTRAP);
    // VPO_KAFKA_VERSION picks another broker version from Maven Central (e.g. 3.9.2).
    const broker = await startKafka({ ownerPid, version: env.VPO_KAFKA_VERSION || undefined });
    stops.push(broker.stop);
    logFiles.push(broker.logFile);
    return broker.bootstrap;
  };
  const kubernetes = async (): Promise<string | undefined> => {
    if (!needs.kubernetes) return undefined;
    if (env.KUBECONFIG) return reuseKubernetes(env.KUBECONFIG);
    const cluster = await (await loadKubernetesModule()).startKubernetes({
      log: (line) => console.log(`kubernetes: ${line}`),
    });
    stops.push(cluster.stop);
    return cluster.kubeconfig;
  };
  const s3 = async (): Promise<S3Endpoint | undefined> => {
    if (!needs.s3) return undefined;
    const given = s3FromEnv(env);
    if (given) return reuseS3(given);
    const server = await startS3Server({ ownerPid, progress: (line) => console.log(`s3: ${line}`) });
    stops.push(server.stop);
    logFiles.push(server.logFile);
    const { logFile: _log, pid: _pid, stop: _stop, ...endpoint } = server;
    return endpoint;
  };
  const stop = async () => {
    const results = await Promise.allSettled(stops.map((stopOne) => stopOne()));
    const failures = results.filter((result) => result.status === 'rejected');
    if (failures.length > 0) {
      throw new AggregateError(
        failures.map((failure) => failure.reason),
        'stopping the test environment failed',
      );
    }
  };
  const [kafkaResult, kubernetesResult, s3Result] = await Promise.allSettled([kafka(), kubernetes(), s3()]);
  if (
    kafkaResult.status === 'rejected' ||
    kubernetesResult.status === 'rejected' ||
    s3Result.status === 'rejected'
  ) {
    await stop().catch(() => {});
    const reasons = [kafkaResult, kubernetesResult, s3Result].flatMap((result) =>
      result.status === 'rejected' ? [result.reason] : [],
    );
    throw reasons.length === 1
      ? reasons[0]
      : new AggregateError(reasons, 'starting the test environment failed');
  }
  return {
    kafkaBootstrap: kafkaResult.value,
    kubeconfig: kubernetesResult.value,
    s3: s3Result.value,
    logFiles,
    stop,
  };
}
