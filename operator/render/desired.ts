// Everything a planned pipeline has in the cluster of its own, as plain objects for server-side
// apply: its ConfigMap (the runtime file its ingest pods read), its ingest Deployment and its
// Services. Its backends are the namespace's (backend-group.ts): a group may serve several
// pipelines. Pure and deterministic: desired(x) deep-equals desired(x).
import type { ModelSession, ObjectMeta, VideoPipeline } from '../../contract/crd-types.generated.ts';
import { structureDigest } from '../../contract/live-settings.ts';
import type { RuntimeFile } from '../../contract/runtime-file.ts';
import type { Plan } from '../planner/types.ts';
import { configMapOf, runtimeFileOf } from './config-map.ts';
import { ingestDeployment } from './deployments.ts';
import { ingestNetworkPolicy } from './network-policies.ts';
import type { RenderOptions } from './options.ts';
import { services } from './services.ts';

export interface DesiredChild {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta & { namespace: string };
  [k: string]: unknown;
}

/** In apply order: config first, then ingest and services; from the runtime file rendered once. */
export function pipelineChildren(
  pipeline: VideoPipeline,
  plan: Plan,
  file: RuntimeFile,
  options: RenderOptions,
): DesiredChild[] {
  // The ingest pods carry the digest of what they cannot take live (contract/live-settings.ts).
  return [
    configMapOf(pipeline, file),
    ingestDeployment(pipeline, plan, options, structureDigest(file, undefined)),
    ...services(pipeline),
    ...(options.networkPolicies === false ? [] : [ingestNetworkPolicy(pipeline, options)]),
  ];
}

/** pipelineChildren with the runtime file rendered from the plan here. */
export function desiredChildren(
  pipeline: VideoPipeline,
  sessions: ModelSession[],
  plan: Plan,
  options: RenderOptions,
  planGeneration = 1,
): DesiredChild[] {
  return pipelineChildren(
    pipeline,
    plan,
    runtimeFileOf(pipeline, sessions, plan, options, planGeneration),
    options,
  );
}
