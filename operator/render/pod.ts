// Pod pieces shared by ingest and backend pods: the hardened security context, probes, the
// runtime config volume, the frame store, the environment and the GPU toleration. Pure.
import { kafkaSecretEnv } from './kafka-auth.ts';
import type { RenderOptions, Toleration } from './options.ts';

export const CONFIG_DIR = '/etc/vpo';
export const CONFIG_PATH = `${CONFIG_DIR}/config.json`;
export const FRAME_DIR = '/var/lib/vpo/frames';
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
export function runtimeArgs(role: 'ingest' | 'backend', extra: string[]): string[] {
  return [
    'runtime',
    '--role',
    role,
    '--config',
    CONFIG_PATH,
    '--frame-store',
    FRAME_DIR,
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
 * setup only) holds decoded frames until their last consumer is done.
 */
export const TMP_SIZE_LIMIT = '3Gi';
export const FRAMES_SIZE_LIMIT = '4Gi';

export function volumes(configMap: string, options: RenderOptions): Record<string, unknown>[] {
  const frames = options.frameStoreClaim
    ? { name: 'frames', persistentVolumeClaim: { claimName: options.frameStoreClaim } }
    : { name: 'frames', emptyDir: { sizeLimit: FRAMES_SIZE_LIMIT } };
  const models = options.modelClaim
    ? [{ name: 'models', persistentVolumeClaim: { claimName: options.modelClaim, readOnly: true } }]
    : [];
  return [
    { name: 'config', configMap: { name: configMap } },
    frames,
    ...models,
    { name: 'tmp', emptyDir: { sizeLimit: TMP_SIZE_LIMIT } },
  ];
}

export function volumeMounts(options: RenderOptions): Record<string, unknown>[] {
  return [
    { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
    { name: 'frames', mountPath: FRAME_DIR },
    ...(options.modelClaim ? [{ name: 'models', mountPath: '/models', readOnly: true }] : []),
    { name: 'tmp', mountPath: '/tmp' },
  ];
}

/** Plain variables, then the Kafka secrets as secretKeyRef (never values). */
export function runtimeEnv(options: RenderOptions, extra: Record<string, string>): Record<string, unknown>[] {
  const env: Record<string, string> = {
    VPO_KAFKA_BOOTSTRAP: options.kafkaBootstrap,
    VPO_FRAME_DIR: FRAME_DIR,
    ...extra,
  };
  return [
    ...Object.entries(env).map(([name, value]) => ({ name, value })),
    ...kafkaSecretEnv(options.kafkaAuth),
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
