// The Deployments vpo renders: the ingest Deployment of a pipeline (the plan's ingest replicas, a
// CPU per concurrent decode) and one per backend group of a namespace's plan (backend-group.ts:
// replicas from the plan, one GPU per pod, pinned to the group's GPU product). Pure: nothing here
// depends on anything but the arguments, so an unchanged group renders byte-identical and
// server-side apply leaves its Deployment untouched.
import type { ObjectMeta, VideoPipeline } from '../../contract/crd-types.generated.ts';
import { DEFAULT_MAX_PIXELS_PER_FRAME } from '../../contract/decode-bounds.ts';
import { DEFAULT_INGEST_CONCURRENCY } from '../planner/ingest.ts';
import type { Plan } from '../planner/types.ts';
import { ingestTokenEnv, ingestTokenOf } from './ingest-token.ts';
import { configMapName, ingestName, LABELS, pipelineLabels } from './names.ts';
import type { RenderOptions, Toleration } from './options.ts';
import { childMetadata } from './owner.ts';
import {
  containerPorts,
  containerSecurityContext,
  podSecurityContext,
  probes,
  runtimeArgs,
  runtimeEnv,
  TERMINATION_LOG,
  volumeMounts,
  volumes,
} from './pod.ts';
import { ingestResources } from './resources.ts';

export interface PodParts {
  role: 'backend' | 'ingest';
  /** The runtime image (images.ts: the CUDA variant for a group hosting a cuda session). */
  image: string;
  /** Pod labels; the Deployment's selector (immutable, so never a label that may change). */
  podLabels: Record<string, string>;
  args: string[];
  env: Record<string, string>;
  /** Further variables from Secrets (valueFrom), after the runtime's own. */
  secretEnv?: Record<string, unknown>[];
  resources: Record<string, unknown>;
  /** The ConfigMap mounted at /etc/vpo (its config.json is the runtime file). */
  configMap: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  /** Claims of the hosted sessions' pvc:// models, mounted read-only. */
  modelClaims?: string[];
  /** Digest of what the pods cannot take live from the runtime file: a change rolls them. */
  structure: string;
}

/** Pod-template annotation holding the runtime structure digest (contract/live-settings.ts). */
export const STRUCTURE_ANNOTATION = 'serving.vpo.dev/runtime-structure';

/**
 * Scanner findings accepted for every runtime Deployment, each with its reason (checkov reads
 * these annotations; e2e/chart-render.e2e.test.ts scans what the operator renders).
 */
export const SCAN_EXCEPTIONS: Record<string, string> = {
  'checkov.io/skip1':
    'CKV_K8S_11=No CPU limit: CFS quotas throttle decode and inference below the planned rates; requests reserve the planned CPUs',
  'checkov.io/skip2':
    'CKV_K8S_43=The operator runs the image it is given (--image); the chart pins a digest with image.digest',
  'checkov.io/skip3': 'CKV_K8S_15=IfNotPresent suits immutable release tags and digests',
  'checkov.io/skip4':
    'CKV_K8S_35=Kafka and object-store keys come by secretKeyRef env the runtime file names, read once at start, never logged nor in the ConfigMap',
};

export function deployment(
  metadata: ObjectMeta & { namespace: string },
  replicas: number,
  parts: PodParts,
  options: RenderOptions,
) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { ...metadata, annotations: { ...metadata.annotations, ...SCAN_EXCEPTIONS } },
    spec: {
      replicas,
      selector: { matchLabels: parts.podLabels },
      // Never more pods than planned GPUs: replace one pod at a time without a surge.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
      template: {
        metadata: { labels: parts.podLabels, annotations: { [STRUCTURE_ANNOTATION]: parts.structure } },
        spec: {
          automountServiceAccountToken: false,
          securityContext: podSecurityContext,
          ...(parts.nodeSelector ? { nodeSelector: parts.nodeSelector } : {}),
          ...(parts.tolerations ? { tolerations: parts.tolerations } : {}),
          containers: [
            {
              name: parts.role,
              image: parts.image,
              imagePullPolicy: options.imagePullPolicy ?? 'IfNotPresent',
              args: runtimeArgs(parts.role, parts.args, options),
              // A role that cannot start writes why there; the operator reads it from pod status.
              terminationMessagePath: TERMINATION_LOG,
              terminationMessagePolicy: 'FallbackToLogsOnError',
              env: [...runtimeEnv(options, parts.env), ...(parts.secretEnv ?? [])],
              ports: containerPorts(parts.role),
              ...probes(),
              resources: parts.resources,
              securityContext: containerSecurityContext,
              volumeMounts: volumeMounts(options, parts.role, parts.modelClaims),
            },
          ],
          volumes: volumes(parts.configMap, options, parts.role, parts.modelClaims),
        },
      },
    },
  };
}

export function ingestDeployment(
  pipeline: VideoPipeline,
  plan: Plan,
  options: RenderOptions,
  structure: string,
) {
  const selector = { [LABELS.role]: 'ingest' };
  return deployment(
    childMetadata(pipeline, ingestName(pipeline.metadata.name), selector),
    plan.ingest.replicas,
    {
      role: 'ingest',
      image: options.image,
      podLabels: { ...pipelineLabels(pipeline.metadata.name), ...selector },
      args: [],
      env: {},
      secretEnv: ingestTokenEnv(ingestTokenOf(pipeline)),
      resources: ingestResources(pipeline.spec.source?.downloadConcurrency ?? DEFAULT_INGEST_CONCURRENCY, {
        maxPixelsPerFrame: pipeline.spec.source?.maxPixelsPerFrame ?? DEFAULT_MAX_PIXELS_PER_FRAME,
        sampledPixels:
          pipeline.spec.sampling.frames * pipeline.spec.sampling.width * pipeline.spec.sampling.height,
      }),
      configMap: configMapName(pipeline.metadata.name),
      structure,
    },
    options,
  );
}
