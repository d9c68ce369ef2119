// The operator's configuration, read once from its arguments (and, for the two addresses, the
// environment variables tools already use; for Kafka TLS/SASL, the variables the chart sets from
// Secrets: kafka-config.ts) and passed in. Nothing else reads the environment.
import { hostname } from 'node:os';
import { KAFKA_SECRET_FLAGS, type OperatorKafkaAuth, parseKafkaAuth } from './kafka-config.ts';
import {
  OBJECT_STORE_FLAGS,
  OBJECT_STORE_SWITCHES,
  type OperatorObjectStore,
  parseObjectStore,
} from './object-store-config.ts';
import { DEFAULT_PLAN_FOR, PLAN_FOR, type PlanFor } from './planner/types.ts';
import type { Toleration } from './render/options.ts';
import { parseToleration } from './tolerations.ts';

export interface OperatorConfig {
  kubeconfig: string | undefined;
  kafkaBootstrap: string;
  /** TLS/SASL: the operator's own client, and the Secret references rendered into runtime pods. */
  kafkaAuth: OperatorKafkaAuth;
  /** Extra tolerations of backend pods (`--toleration`, repeatable). */
  tolerations: Toleration[];
  /** Watch one namespace; undefined = all. */
  namespace: string | undefined;
  leaderElect: boolean;
  leaseNamespace: string;
  leaseName: string;
  leaseDurationMs: number;
  renewMs: number;
  identity: string;
  /** HTTP port of /healthz, /readyz and /metrics; 0 picks a free one (printed at start). */
  port: number;
  image: string;
  /** Image of backends hosting cuda sessions (`--cuda-image`); default: `image` tagged `-cuda`. */
  cudaImage: string | undefined;
  frameStoreClaim: string | undefined;
  /** The S3-compatible object store: runtime pods' default, frame-store bucket, model checks. */
  objectStore: OperatorObjectStore;
  modelClaim: string | undefined;
  /**
   * Directories ingest pods may read file:// sources from (`--ingest-file-root`, repeatable): for
   * development clusters whose nodes see the videos on a host path. Empty (the default) refuses
   * file:// however a pipeline lists its schemes.
   */
  ingestFileRoots: string[];
  /** Namespace whose pods may scrape runtime pods' ops port (`--monitoring-namespace`). */
  monitoringNamespace: string;
  /** Namespaces allowed to submit videos to ingest APIs (`--ingest-from`, repeatable); default: the pipeline's own. */
  ingestFrom: string[];
  /** Render NetworkPolicies for runtime pods (`--network-policies true|false`, default true). */
  networkPolicies: boolean;
  workers: number;
  resyncMs: number;
  /** Load epochs, at least 10 s (DESIGN.md); 0 turns load observation off. */
  loadEpochMs: number;
  /** What arrivals plans are made for (`--plan-for poisson|steady`, default poisson; docs/sizing.md). */
  planFor: PlanFor;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const OPERATOR_USAGE = `usage: vpo operator [--kubeconfig PATH] [--kafka-bootstrap HOST:PORT] [--namespace NS]
                    [--leader-elect] [--port N] [--image IMAGE] [--cuda-image IMAGE] [--lease-namespace NS]
                    [--lease-duration-ms N] [--renew-ms N] [--identity ID] [--workers N]
                    [--resync-ms N] [--load-epoch-ms N (>= 10000, 0 = off)]
                    [--frame-store-claim PVC | --frame-store-bucket BUCKET] [--model-claim PVC]
                    [--ingest-file-root DIR]... [--s3-endpoint URL] [--s3-region REGION]
                    [--s3-force-path-style] [--s3-credentials-secret SECRET]
                    [--model-check-max-bytes N] [--model-check-timeout-ms N]
                    [--monitoring-namespace NS] [--ingest-from NS]... [--network-policies true|false]
                    [--plan-for poisson|steady]
                    [--toleration key=value:Effect | key:Effect]... (backend pods)
                    [--kafka-tls-ca-secret S/K] [--kafka-tls-cert-secret S/K]
                    [--kafka-tls-key-secret S/K] [--kafka-sasl-password-secret S/K]
  Kafka TLS/SASL of the operator: VPO_KAFKA_TLS=true, VPO_KAFKA_TLS_CA/_CERT/_KEY (PEM),
  VPO_KAFKA_SASL_MECHANISM/_USERNAME/_PASSWORD; runtime pods read the Secrets named by the flags.
  Object store of the operator (model checks): VPO_S3_ACCESS_KEY_ID/_SECRET_ACCESS_KEY; runtime
  pods read the Secret named by --s3-credentials-secret (keys accessKeyId, secretAccessKey).`;

const flags = new Set<string>(['--leader-elect', ...OBJECT_STORE_SWITCHES]);

export function parseOperatorArgs(argv: string[], env: NodeJS.ProcessEnv, version: string): OperatorConfig {
  const values = new Map<string, string>();
  const tolerationArgs: string[] = [];
  const fileRoots: string[] = [];
  const ingestFrom: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!name.startsWith('--')) throw new ConfigError(`unexpected argument ${arg}`);
    if (flags.has(name)) {
      values.set(name, eq > 0 ? arg.slice(eq + 1) : 'true');
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new ConfigError(`${name} needs a value`);
    if (name === '--toleration') tolerationArgs.push(value);
    else if (name === '--ingest-file-root') {
      if (!value.startsWith('/'))
        throw new ConfigError(`--ingest-file-root must be an absolute path, got ${value}`);
      fileRoots.push(value);
    } else if (name === '--ingest-from') ingestFrom.push(value);
    else values.set(name, value);
  }
  const known = new Set([
    '--kubeconfig',
    '--kafka-bootstrap',
    '--namespace',
    '--leader-elect',
    '--port',
    '--image',
    '--cuda-image',
    '--lease-namespace',
    '--lease-duration-ms',
    '--renew-ms',
    '--identity',
    '--workers',
    '--resync-ms',
    '--load-epoch-ms',
    '--frame-store-claim',
    '--model-claim',
    '--monitoring-namespace',
    '--network-policies',
    '--plan-for',
    ...KAFKA_SECRET_FLAGS,
    ...OBJECT_STORE_FLAGS,
    ...OBJECT_STORE_SWITCHES,
  ]);
  for (const k of values.keys()) if (!known.has(k)) throw new ConfigError(`unknown option ${k}`);
  const int = (name: string, fallback: number, min: number) => {
    const text = values.get(name);
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min)
      throw new ConfigError(`${name} must be an integer >= ${min}, got ${text}`);
    return n;
  };
  const kafkaBootstrap = values.get('--kafka-bootstrap') ?? env.KAFKA_BOOTSTRAP;
  if (!kafkaBootstrap) throw new ConfigError('--kafka-bootstrap (or KAFKA_BOOTSTRAP) is required');
  let kafkaAuth: OperatorKafkaAuth;
  let tolerations: Toleration[];
  let objectStore: OperatorObjectStore;
  try {
    kafkaAuth = parseKafkaAuth(values, env);
    objectStore = parseObjectStore(values, env);
    tolerations = tolerationArgs.map(parseToleration);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  if (values.has('--frame-store-claim') && objectStore.frameStoreBucket !== undefined)
    throw new ConfigError('--frame-store-claim and --frame-store-bucket: choose one default frame store');
  const namespace = values.get('--namespace');
  const networkPolicies = values.get('--network-policies') ?? 'true';
  if (networkPolicies !== 'true' && networkPolicies !== 'false')
    throw new ConfigError(`--network-policies must be true or false, got ${networkPolicies}`);
  const planFor = (values.get('--plan-for') ?? DEFAULT_PLAN_FOR) as PlanFor;
  if (!PLAN_FOR.includes(planFor))
    throw new ConfigError(`--plan-for must be poisson or steady, got ${planFor}`);
  const loadEpochMs = int('--load-epoch-ms', 10_000, 0);
  if (loadEpochMs !== 0 && loadEpochMs < 10_000)
    throw new ConfigError('--load-epoch-ms must be 0 (off) or >= 10000');
  const leaseDurationMs = int('--lease-duration-ms', 15_000, 1000);
  const renewMs = int('--renew-ms', 2_000, 100);
  if (renewMs >= leaseDurationMs) throw new ConfigError('--renew-ms must be below --lease-duration-ms');
  return {
    kubeconfig: values.get('--kubeconfig') ?? (env.KUBECONFIG || undefined),
    kafkaBootstrap,
    kafkaAuth,
    tolerations,
    namespace,
    leaderElect: values.get('--leader-elect') === 'true',
    leaseNamespace: values.get('--lease-namespace') ?? namespace ?? 'default',
    leaseName: 'vpo-operator',
    leaseDurationMs,
    renewMs,
    identity: values.get('--identity') ?? `${hostname()}_${process.pid}`,
    port: int('--port', 8081, 0),
    image: values.get('--image') ?? `ghcr.io/vpo-dev/vpo:${version}`,
    cudaImage: values.get('--cuda-image'),
    frameStoreClaim: values.get('--frame-store-claim'),
    objectStore,
    modelClaim: values.get('--model-claim'),
    ingestFileRoots: fileRoots,
    monitoringNamespace: values.get('--monitoring-namespace') ?? 'monitoring',
    ingestFrom,
    networkPolicies: networkPolicies === 'true',
    workers: int('--workers', 4, 1),
    resyncMs: int('--resync-ms', 300_000, 1000),
    loadEpochMs,
    planFor,
  };
}
