// The profiling Job of a ModelSession on one GPU product (pure): `vpo profile` on a node of that
// product (node selector, one nvidia.com/gpu, the model volume), hardened like the runtime pods.
// The result comes back as the container's termination message (a small JSON profile entry the
// kubelet copies into the pod's status), so the pod needs no API credentials and the operator
// reads no logs. On failure, FallbackToLogsOnError puts the log tail there instead.
import type { ModelSession } from '../../contract/crd-types.generated.ts';
import { runtimeImage } from './images.ts';
import { LABELS, MANAGED_BY, shortHash } from './names.ts';
import type { RenderOptions } from './options.ts';
import { containerSecurityContext, podSecurityContext } from './pod.ts';
import { backendResources } from './resources.ts';

export const PRODUCT_LABEL = 'nvidia.com/gpu.product';
export const PROFILE_LABELS = {
  session: 'serving.vpo.dev/session',
  gpuProduct: 'serving.vpo.dev/gpu-product',
} as const;
/** Where `vpo profile --result-file` writes; the kubelet reads it into the pod status (max 4 KiB). */
export const RESULT_PATH = '/dev/termination-log';
/** Retries of a failed profiling pod before the Job fails (ProfilingFailed). */
export const PROFILE_BACKOFF_LIMIT = 2;
/** A profiling run that has not finished in this time fails (a hung device, an endless model). */
export const PROFILE_DEADLINE_SECONDS = 1800;
/** Finished Jobs go after an hour; a failed product is tried again after that. */
export const PROFILE_TTL_SECONDS = 3600;
const REPEATS = 10;
const maxDnsLabel = 63;

/** What a profile is measured for: a change of any of these makes it stale. */
export function profileKey(session: ModelSession): string {
  const { uri, sha256 } = session.spec.model;
  return [uri, sha256 ?? '', session.spec.executionProvider].join('\n');
}

/** Deterministic: the same session, model and product always name the same Job. */
export function profileJobName(session: ModelSession, gpuProduct: string): string {
  const hash = shortHash([session.metadata.name, gpuProduct, profileKey(session)].join('\n'));
  const base = session.metadata.name.slice(0, maxDnsLabel - 'profile'.length - hash.length - 2);
  return `${base.replace(/[-.]+$/, '')}-profile-${hash}`;
}

/** Powers of two up to maxBatchSize, and maxBatchSize itself (the planner never extrapolates). */
export function profileBatches(maxBatchSize: number): number[] {
  const sizes: number[] = [];
  for (let b = 1; b < maxBatchSize; b *= 2) sizes.push(b);
  return [...sizes, Math.max(1, maxBatchSize)];
}

/** The input shape without the batch dim for frame models (as `vpo run --profile` measures). */
export function profileInputShape(session: ModelSession): number[] | undefined {
  const i = session.spec.input;
  if (i.source === 'stages') return undefined; // the model's own dims, or a clear failure
  const f = i.frames ?? 1;
  const [h, w] = [i.height ?? 224, i.width ?? 224];
  if (i.layout === 'NCFHW') return [3, f, h, w];
  if (i.layout === 'NCHW') return [3, h, w];
  return [f, 3, h, w];
}

function labelValue(text: string): string {
  return text.length <= maxDnsLabel ? text : `${text.slice(0, maxDnsLabel - 8)}-${shortHash(text)}`;
}

export function profileLabels(session: ModelSession, gpuProduct: string): Record<string, string> {
  return {
    [LABELS.name]: 'vpo',
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.role]: 'profile',
    [PROFILE_LABELS.session]: labelValue(session.metadata.name),
    [PROFILE_LABELS.gpuProduct]: labelValue(gpuProduct),
  };
}

/** The model file in the pod: file:///models/x.onnx is /models/x.onnx (the model volume). */
export function modelFilePath(uri: string): string {
  return decodeURIComponent(new URL(uri).pathname);
}

/**
 * The container args under the image's entrypoint (`vpo`), as the runtime pods set them: every
 * path explicit, so whatever runs the container (the kubelet, or the e2e harness that stands in
 * for it and remaps mount paths) sees them.
 */
export function profileArgs(session: ModelSession, gpuProduct: string): string[] {
  const shape = profileInputShape(session);
  const { uri, sha256 } = session.spec.model;
  return [
    'profile',
    modelFilePath(uri),
    '--provider',
    session.spec.executionProvider,
    '--batches',
    profileBatches(session.spec.batching.maxBatchSize).join(','),
    '--repeats',
    String(REPEATS),
    ...(shape ? ['--input-shape', shape.join(',')] : []),
    ...(sha256 ? ['--sha256', sha256] : []),
    ...(session.spec.cuda?.deviceId !== undefined && session.spec.executionProvider === 'cuda'
      ? ['--device-id', String(session.spec.cuda.deviceId)]
      : []),
    '--gpu-product',
    gpuProduct,
    '--result-file',
    RESULT_PATH,
  ];
}

export function profileJob(session: ModelSession, gpuProduct: string, options: RenderOptions) {
  const labels = profileLabels(session, gpuProduct);
  const models = options.modelClaim
    ? [{ name: 'models', persistentVolumeClaim: { claimName: options.modelClaim, readOnly: true } }]
    : [];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: profileJobName(session, gpuProduct),
      namespace: session.metadata.namespace ?? 'default',
      labels,
      // Label values are cut at 63 characters; the full product is here.
      annotations: { [PROFILE_LABELS.gpuProduct]: gpuProduct },
      ownerReferences: [
        {
          apiVersion: 'serving.vpo.dev/v1alpha1',
          kind: 'ModelSession',
          name: session.metadata.name,
          uid: session.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      backoffLimit: PROFILE_BACKOFF_LIMIT,
      activeDeadlineSeconds: PROFILE_DEADLINE_SECONDS,
      ttlSecondsAfterFinished: PROFILE_TTL_SECONDS,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          securityContext: podSecurityContext,
          nodeSelector: { [PRODUCT_LABEL]: gpuProduct },
          containers: [
            {
              name: 'profile',
              image: runtimeImage([session.spec.executionProvider], options),
              imagePullPolicy: options.imagePullPolicy ?? 'IfNotPresent',
              args: profileArgs(session, gpuProduct),
              resources: backendResources([session]),
              securityContext: containerSecurityContext,
              terminationMessagePath: RESULT_PATH,
              terminationMessagePolicy: 'FallbackToLogsOnError',
              volumeMounts: [
                ...(options.modelClaim ? [{ name: 'models', mountPath: '/models', readOnly: true }] : []),
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [...models, { name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}
