// Everything a planned pipeline should have in the cluster, as plain objects for server-side
// apply. Pure and deterministic: desired(x) deep-equals desired(x).
import type { ModelSession, ObjectMeta, VideoPipeline } from '../../contract/crd-types.generated.ts';
import { structureDigest } from '../../contract/live-settings.ts';
import type { Plan } from '../planner/types.ts';
import { configMapOf, runtimeFileOf } from './config-map.ts';
import { backendDeployment, ingestDeployment } from './deployments.ts';
import type { RenderOptions } from './options.ts';
import { services } from './services.ts';

export interface DesiredChild {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta & { namespace: string };
  [k: string]: unknown;
}

export interface DesiredChildren {
  /** In apply order: config first, then backends, then ingest and services. */
  objects: DesiredChild[];
  backendNames: string[];
}

export function desiredChildren(
  pipeline: VideoPipeline,
  sessions: ModelSession[],
  plan: Plan,
  options: RenderOptions,
  planGeneration = 1,
): DesiredChildren {
  const file = runtimeFileOf(pipeline, sessions, plan, options, planGeneration);
  // Pods carry the digest of what they cannot take live (contract/live-settings.ts): a change
  // there rolls them; batch sizes, duty cycles, rates and deadlines reach them through the file.
  const backends = plan.backends.map((g) =>
    backendDeployment(pipeline, g, sessions, options, structureDigest(file, g.name)),
  );
  const objects: DesiredChild[] = [
    configMapOf(pipeline, file),
    ...backends,
    ingestDeployment(pipeline, plan, options, structureDigest(file, undefined)),
    ...services(pipeline),
  ];
  return { objects, backendNames: backends.map((b) => b.metadata.name as string) };
}
