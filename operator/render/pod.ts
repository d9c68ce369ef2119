// Pod pieces shared by ingest and backend pods: the hardened security context, probes, the
// runtime config volume, the frame store, the environment and the GPU toleration. Pure.
import { kafkaSecretEnv } from './kafka-auth.ts';
import type { RenderOptions, Toleration } from './options.ts';

export const CONFIG_DIR = '/etc/vpo';
export const CONFIG_PATH = `${CONFIG_DIR}/config.json`;
export const FRAME_DIR = '/var/lib/vpo/frames';
/** Backend pods' cache of fetched models (s3://, http(s)://): an emptyDir, so once per pod. */
export const MODEL_CACHE_DIR = '/var/cache/vpo/models';
/** Where the claims of pvc://<claim>/<path> models are mounted (read-only), one folder per claim. */
export const MODEL_CLAIMS_DIR = '/var/lib/vpo/model-claims';

/** The claims named by pvc:// model URIs, sorted and unique (their volumes are model-claim-<i>). */
export function modelClaims(uris: string[]): string[] {
  const claims = uris.flatMap((u) => /^pvc:\/\/([^/]+)\//.exec(u)?.[1] ?? []);
  return [...new Set(claims)].sort();
}

/** The ingest API (POST /v1/videos), port name `http`. */
export const HTTP_PORT = 8080;
/** /healthz, /readyz, /metrics on every runtime pod, port name `ops`: probes and Prometheus only. */
export const OPS_PORT = 9090;
/** The container's termination-message file (the kubelet's default path, set explicitly). */
export const TERMINATION_LOG = '/dev/termination-log';

export const podSecurityContext = {
  runAsNonRoot: true,
  runAsUser: 65532,
  runAsGroup: 65532,
  fsGroup: 65532,
  seccompProfile: { type: 'RuntimeDefault' },
};

export const containerSecurityContext = {
  runAsNonRoot: true,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/**
 * The container args of a runtime role. The image's entrypoint is `node /app/bin/vpo.ts`, so the
 * pod sets args only. Every path and the port are explicit here (not defaults inside the program),
 * so whatever runs the container sees them: the kubelet, or the e2e harness that stands in for it
 * and remaps mount paths and ports. The HTTP server listens on all interfaces for the probes.
 */
export function runtimeArgs(
  role: 'ingest' | 'backend',
  extra: string[],
  options: Pick<RenderOptions, 'storage'> = {},
): string[] {
  const s3 = options.storage?.frameStore.kind === 's3';
  return [
    'runtime',
    '--role',
    role,
    '--config',
    CONFIG_PATH,
    ...(s3 ? [] : ['--frame-store', FRAME_DIR]),
    ...(role === 'backend' ? ['--model-cache', MODEL_CACHE_DIR, '--model-claims', MODEL_CLAIMS_DIR] : []),
    '--host',
    '0.0.0.0',
    '--port',
    String(OPS_PORT),
    ...(role === 'ingest' ? ['--api-port', String(HTTP_PORT)] : []),
    '--termination-log',
    TERMINATION_LOG,
    ...extra,
  ];
}

/** Ops first (the port probes and Prometheus use), then the ingest API. */
export function containerPorts(role: 'ingest' | 'backend') {
  return [
    { name: 'ops', containerPort: OPS_PORT, protocol: 'TCP' },
    ...(role === 'ingest' ? [{ name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' }] : []),
  ];
}

export function probes(): Record<string, unknown> {
  const http = (path: string) => ({ httpGet: { path, port: 'ops' } });
  return {
    livenessProbe: { ...http('/healthz'), periodSeconds: 10, failureThreshold: 3 },
    readinessProbe: { ...http('/readyz'), periodSeconds: 5, failureThreshold: 2 },
  };
}

/**
 * Bounds of the pods' scratch volumes, so a pod cannot fill its node's disk: /tmp holds the
 * ingest's downloads while they decode (at most downloadConcurrency × maxVideoBytes, 4 × 512 MiB
 * by default) and nothing much on backends; an emptyDir frame store (no claim: a single-pod
 * setup only) holds decoded frames until their last consumer is done; a backend's model cache
 * holds the s3:// and http(s):// models of the sessions it hosts (a few ONNX files; 16 GiB leaves
 * room for several large ones, and a fetch beyond it fails the pod's start with a reason).
 */
export const TMP_SIZE_LIMIT = '3Gi';
export const FRAMES_SIZE_LIMIT = '4Gi';
export const MODEL_CACHE_SIZE_LIMIT = '16Gi';

/** The frames volume: the pipeline's claim; none for an s3 frame store. */
function framesVolume(options: RenderOptions): Record<string, unknown> | undefined {
  const store = options.storage?.frameStore;
  if (store?.kind === 's3') return undefined;
  const claim = store?.kind === 'persistentVolumeClaim' ? store.claimName : options.frameStoreClaim;
  return claim
    ? { name: 'frames', persistentVolumeClaim: { claimName: claim } }
    : { name: 'frames', emptyDir: { sizeLimit: FRAMES_SIZE_LIMIT } };
}

export function volumes(
  configMap: string,
  options: RenderOptions,
  role: 'ingest' | 'backend' = 'backend',
  claims: string[] = [],
): Record<string, unknown>[] {
  const frames = framesVolume(options);
  const models = options.modelClaim
    ? [{ name: 'models', persistentVolumeClaim: { claimName: options.modelClaim, readOnly: true } }]
    : [];
  return [
    { name: 'config', configMap: { name: configMap } },
    ...(frames ? [frames] : []),
    ...models,
    ...(role === 'backend' ? [{ name: 'model-cache', emptyDir: { sizeLimit: MODEL_CACHE_SIZE_LIMIT } }] : []),
    ...claims.map((claimName, i) => ({
      name: `model-claim-${i}`,
      persistentVolumeClaim: { claimName, readOnly: true },
    })),
    { name: 'tmp', emptyDir: { sizeLimit: TMP_SIZE_LIMIT } },
  ];
}

export function volumeMounts(
  options: RenderOptions,
  role: 'ingest' | 'backend' = 'backend',
  claims: string[] = [],
): Record<string, unknown>[] {
  return [
    { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
    ...(framesVolume(options) ? [{ name: 'frames', mountPath: FRAME_DIR }] : []),
    ...(options.modelClaim ? [{ name: 'models', mountPath: '/models', readOnly: true }] : []),
    ...(role === 'backend' ? [{ name: 'model-cache', mountPath: MODEL_CACHE_DIR }] : []),
    ...claims.map((claim, i) => ({
      name: `model-claim-${i}`,
      mountPath: `${MODEL_CLAIMS_DIR}/${claim}`,
      readOnly: true,
    })),
    { name: 'tmp', mountPath: '/tmp' },
  ];
}

/** The object store's keys as secretKeyRef (never values), under the names the runtime file gives. */
function objectStoreSecretEnv(options: RenderOptions): Record<string, unknown>[] {
  const store = options.storage?.objectStore;
  const names = store?.connection.credentialsEnv;
  if (!store?.credentials || !names) return [];
  return [
    { name: names.accessKeyId, valueFrom: { secretKeyRef: store.credentials.accessKeyId } },
    { name: names.secretAccessKey, valueFrom: { secretKeyRef: store.credentials.secretAccessKey } },
  ];
}

/** Plain variables, then the Kafka and object-store secrets as secretKeyRef (never values). */
export function runtimeEnv(options: RenderOptions, extra: Record<string, string>): Record<string, unknown>[] {
  const dir = options.storage?.frameStore.kind !== 's3';
  const env: Record<string, string> = {
    VPO_KAFKA_BOOTSTRAP: options.kafkaBootstrap,
    ...(dir ? { VPO_FRAME_DIR: FRAME_DIR } : {}),
    ...extra,
  };
  return [
    ...Object.entries(env).map(([name, value]) => ({ name, value })),
    ...kafkaSecretEnv(options.kafkaAuth),
    ...objectStoreSecretEnv(options),
  ];
}

/** The taint GPU node pools commonly carry; backend pods tolerate it, plus the configured ones. */
export const GPU_TOLERATION: Toleration = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };

export function backendTolerations(options: RenderOptions): Toleration[] {
  const extra = (options.tolerations ?? []).filter(
    (t) => !(t.key === GPU_TOLERATION.key && t.operator === 'Exists' && t.effect === GPU_TOLERATION.effect),
  );
  return [GPU_TOLERATION, ...extra];
}
