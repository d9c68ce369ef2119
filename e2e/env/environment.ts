import { existsSync } from 'node:fs';
import { startKafka } from './kafka/broker.ts';
import { brokerAnswers } from './kafka/ready.ts';

/** Addresses a test file uses. Test files run in parallel: give topics and groups unique names. */
export interface TestEnv {
  kafkaBootstrap: string;
  /** Absent when the suite did not ask for Kubernetes (integration suite). */
  kubeconfig: string | undefined;
}

export interface EnvironmentNeeds {
  kafka: boolean;
  kubernetes: boolean;
}

export interface RunningEnvironment {
  kafkaBootstrap: string | undefined;
  kubeconfig: string | undefined;
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

function reuseKubernetes(kubeconfig: string): string {
  if (!existsSync(kubeconfig)) throw new Error(`KUBECONFIG=${kubeconfig} is set but the file does not exist`);
  return kubeconfig;
}

/**
 * Starts what `needs` asks for, reusing KAFKA_BOOTSTRAP / KUBECONFIG when `env` sets them.
 * Kafka and Kubernetes start side by side; if either fails, the other is stopped before the
 * error propagates, so a failed start leaves no process behind.
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
  const [kafkaResult, kubernetesResult] = await Promise.allSettled([kafka(), kubernetes()]);
  if (kafkaResult.status === 'rejected' || kubernetesResult.status === 'rejected') {
    await stop().catch(() => {});
    const reasons = [kafkaResult, kubernetesResult].flatMap((result) =>
      result.status === 'rejected' ? [result.reason] : [],
    );
    throw reasons.length === 1
      ? reasons[0]
      : new AggregateError(reasons, 'starting the test environment failed');
  }
  return { kafkaBootstrap: kafkaResult.value, kubeconfig: kubernetesResult.value, logFiles, stop };
}
