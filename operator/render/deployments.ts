// The Deployments of a pipeline: one per backend group of the plan (replicas from the plan, one
// GPU per pod, pinned to the group's GPU product) and the ingest Deployment (the plan's ingest
// replicas, a CPU per concurrent decode). Pure: nothing here
// depends on anything but the arguments, so an unchanged group renders byte-identical and
// server-side apply leaves its Deployment untouched.
import type { ModelSession, VideoPipeline } from '../../contract/crd-types.generated.ts';
import { DEFAULT_INGEST_CONCURRENCY } from '../planner/ingest.ts';
import type { BackendGroupPlan, Plan } from '../planner/types.ts';
import { backendName, configMapName, ingestName, LABELS, pipelineLabels } from './names.ts';
import type { RenderOptions, Toleration } from './options.ts';
import { childMetadata } from './owner.ts';
import {
  backendTolerations,
  containerPorts,
  containerSecurityContext,
  modelClaims,
  podSecurityContext,
  probes,
  runtimeArgs,
  runtimeEnv,
  volumeMounts,
  volumes,
} from './pod.ts';
import { backendResources, ingestResources } from './resources.ts';

const PRODUCT_LABEL = 'nvidia.com/gpu.product';

interface PodParts {
  role: 'backend' | 'ingest';
  selector: Record<string, string>;
  args: string[];
  env: Record<string, string>;
  resources: Record<string, unknown>;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  /** Claims of the hosted sessions' pvc:// models, mounted read-only. */
  modelClaims?: string[];
}

function deployment(
  pipeline: VideoPipeline,
  name: string,
  replicas: number,
  parts: PodParts,
  options: RenderOptions,
) {
  const labels = { ...pipelineLabels(pipeline.metadata.name), ...parts.selector };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: childMetadata(pipeline, name, parts.selector),
    spec: {
      replicas,
      selector: { matchLabels: labels },
      // Never more pods than planned GPUs: replace one pod at a time without a surge.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: podSecurityContext,
          ...(parts.nodeSelector ? { nodeSelector: parts.nodeSelector } : {}),
          ...(parts.tolerations ? { tolerations: parts.tolerations } : {}),
          containers: [
            {
              name: parts.role,
              image: options.image,
              imagePullPolicy: options.imagePullPolicy ?? 'IfNotPresent',
              args: runtimeArgs(parts.role, parts.args, options),
              env: runtimeEnv(options, parts.env),
              ports: containerPorts(parts.role),
              ...probes(),
              resources: parts.resources,
              securityContext: containerSecurityContext,
              volumeMounts: volumeMounts(options, parts.role, parts.modelClaims),
            },
          ],
          volumes: volumes(configMapName(pipeline.metadata.name), options, parts.role, parts.modelClaims),
        },
      },
    },
  };
}

export function backendDeployment(
  pipeline: VideoPipeline,
  group: BackendGroupPlan,
  sessions: ModelSession[],
  options: RenderOptions,
) {
  const hosted = group.sessions
    .map((s) => sessions.find((m) => m.metadata.name === s.session))
    .filter((m): m is ModelSession => m !== undefined);
  const unique = [...new Map(hosted.map((m) => [m.metadata.name, m])).values()];
  const name = backendName(group.name);
  return deployment(
    pipeline,
    name,
    group.replicas,
    {
      role: 'backend',
      selector: { [LABELS.role]: 'backend', [LABELS.backend]: name },
      // The runtime file lists every group; this pod hosts the sessions of its own.
      args: ['--backend', group.name],
      env: { VPO_BACKEND_GROUP: group.name },
      resources: backendResources(unique),
      nodeSelector: { ...(pipeline.spec.placement?.nodeSelector ?? {}), [PRODUCT_LABEL]: group.gpuProduct },
      tolerations: backendTolerations(options),
      modelClaims: modelClaims(unique.map((m) => m.spec.model.uri)),
    },
    options,
  );
}

export function ingestDeployment(pipeline: VideoPipeline, plan: Plan, options: RenderOptions) {
  return deployment(
    pipeline,
    ingestName(pipeline.metadata.name),
    plan.ingest.replicas,
    {
      role: 'ingest',
      selector: { [LABELS.role]: 'ingest' },
      args: [],
      env: {},
      resources: ingestResources(pipeline.spec.source?.downloadConcurrency ?? DEFAULT_INGEST_CONCURRENCY),
    },
    options,
  );
}
