// Everything a planned pipeline has in the cluster of its own, as plain objects for server-side
// apply: its ConfigMap (the runtime file its ingest pods read), its ingest Deployment and its
// Services. Its backends are the namespace's (backend-group.ts): a group may serve several
// pipelines. Pure and deterministic: desired(x) deep-equals desired(x).
import type { ModelSession, ObjectMeta, VideoPipeline } from '../../contract/crd-types.generated.ts';
import type { Plan } from '../planner/types.ts';
import { configMap } from './config-map.ts';
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

/** In apply order: config first, then ingest and services. */
export function desiredChildren(
  pipeline: VideoPipeline,
  sessions: ModelSession[],
  plan: Plan,
  options: RenderOptions,
): DesiredChild[] {
  return [
    configMap(pipeline, sessions, plan, options),
    ingestDeployment(pipeline, plan, options),
    ...services(pipeline),
    ...(options.networkPolicies === false ? [] : [ingestNetworkPolicy(pipeline, options)]),
  ];
}
