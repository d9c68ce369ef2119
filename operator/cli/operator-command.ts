// `vpo operator`: config read once, then HTTP probes, leader election (optional), the manager.
// SIGTERM/SIGINT: stop the watches, finish in-flight reconciles, release the lease, exit 0.
import { readFileSync } from 'node:fs';
import { createS3ObjectStore } from '../../objectstore/s3-client.ts';
import { systemClock } from '../clock.ts';
import { ConfigError, OPERATOR_USAGE, type OperatorConfig, parseOperatorArgs } from '../config.ts';
import { startManager } from '../controller/manager.ts';
import { createOperatorMetrics } from '../http/metrics.ts';
import { buildHttp } from '../http/server.ts';
import { createKubeApi } from '../kube/client.ts';
import { createLeaderElector } from '../leader/lease.ts';
import { lazyKafkaAdmin } from '../load/kafka-admin.ts';
import { createLoadObserver } from '../load/observer.ts';
import { DEFAULT_LOAD_POLICY } from '../load/policy.ts';
import { jsonLogger } from '../logger.ts';
import { createModelChecker } from '../models/model-check.ts';
import { createEventRecorder } from '../reconcile/events.ts';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function shutdownSignal(): Promise<string> {
  return new Promise((resolve) => {
    for (const s of ['SIGTERM', 'SIGINT'] as const) process.once(s, () => resolve(s));
  });
}

export async function operatorCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${OPERATOR_USAGE}\n`);
    return 0;
  }
  let config: OperatorConfig;
  try {
    config = parseOperatorArgs(argv, process.env, version());
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`vpo operator: ${err.message}\n${OPERATOR_USAGE}\n`);
    return 2;
  }
  return runOperator(config, shutdownSignal());
}

export async function runOperator(config: OperatorConfig, stopSignal: Promise<string>): Promise<number> {
  const clock = systemClock;
  const logger = jsonLogger();
  const metrics = createOperatorMetrics();
  const api = await createKubeApi(config.kubeconfig);
  const admin = lazyKafkaAdmin(config.kafkaBootstrap, logger, config.kafkaAuth.connection);
  const storeConfig = config.objectStore;
  const objectStore = storeConfig.connection ? createS3ObjectStore(storeConfig.connection) : undefined;
  const models = createModelChecker({
    ...(objectStore ? { objectStore } : {}),
    ...storeConfig.modelCheck,
    retryAfterMs: 60_000,
    nowMs: () => clock.nowMs(),
  });
  let manager: ReturnType<typeof startManager> | undefined;
  let failed = false;
  const http = buildHttp(metrics, {
    healthy: () => !failed,
    ready: () =>
      !config.leaderElect || elector?.isLeader() !== true ? true : (manager?.isSynced() ?? false),
  });
  const address = await http.listen({ port: config.port, host: '0.0.0.0' });
  logger.info(`listening on ${address}`, { port: Number(new URL(address).port) });
  const elector = config.leaderElect
    ? createLeaderElector({
        api,
        namespace: config.leaseNamespace,
        name: config.leaseName,
        identity: config.identity,
        leaseDurationMs: config.leaseDurationMs,
        renewMs: config.renewMs,
        clock,
        logger,
      })
    : undefined;
  let lost: () => void = () => {};
  const lostLease = new Promise<string>((resolve) => {
    lost = () => resolve('lease lost');
  });
  const run = async () => {
    if (elector && !(await elector.acquire())) return;
    metrics.leader.set(1);
    elector?.keepRenewing(lost);
    manager = startManager(
      {
        api,
        topics: admin,
        load: config.loadEpochMs > 0 ? createLoadObserver(admin, clock) : undefined,
        members: (groups) => admin.groupMembers(groups),
        loadPolicy: { ...DEFAULT_LOAD_POLICY, epochMs: config.loadEpochMs || DEFAULT_LOAD_POLICY.epochMs },
        planFor: config.planFor,
        namespacePlans: new Map(),
        loadStates: new Map(),
        render: {
          image: config.image,
          ...(config.cudaImage ? { cudaImage: config.cudaImage } : {}),
          kafkaBootstrap: config.kafkaBootstrap,
          kafkaAuth: config.kafkaAuth.runtime,
          tolerations: config.tolerations,
          ...(config.frameStoreClaim ? { frameStoreClaim: config.frameStoreClaim } : {}),
          ...(storeConfig.frameStoreBucket ? { frameStoreBucket: storeConfig.frameStoreBucket } : {}),
          ...(storeConfig.runtime ? { objectStore: storeConfig.runtime } : {}),
          ...(config.modelClaim ? { modelClaim: config.modelClaim } : {}),
          ...(config.ingestFileRoots.length > 0 ? { ingestFileRoots: config.ingestFileRoots } : {}),
          monitoringNamespace: config.monitoringNamespace,
          ...(config.ingestFrom.length > 0 ? { ingestFrom: config.ingestFrom } : {}),
          networkPolicies: config.networkPolicies,
        },
        models,
        events: createEventRecorder(api, clock, logger, config.identity),
        clock,
        logger,
        metrics,
      },
      { namespace: config.namespace, workers: config.workers, resyncMs: config.resyncMs },
    );
    await manager.synced;
    logger.info('caches synced; reconciling');
  };
  const running = run().catch((err: Error) => {
    failed = true;
    logger.error(`operator: ${err.message}`);
  });
  const why = await Promise.race([stopSignal, lostLease]);
  logger.info(`stopping (${why})`);
  await manager?.stop();
  await elector?.release().catch(() => {});
  await Promise.race([running, Promise.resolve()]);
  metrics.leader.set(0);
  await admin.close();
  objectStore?.close();
  await http.close();
  logger.info('stopped');
  return why === 'lease lost' ? 1 : 0;
}
