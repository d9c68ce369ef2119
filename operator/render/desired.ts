// Everything a planned pipeline should have in the cluster, as plain objects for server-side
// apply. Pure and deterministic: desired(x) deep-equals desired(x).
import type { ModelSession, ObjectMeta, VideoPipeline } from '../../contract/crd-types.generated.ts';
import type { Plan } from '../planner/types.ts';
import { configMap } from './config-map.ts';
import { backendDeployment, ingestDeployment } from './deployments.ts';
import type { RenderOptions } from './options.ts';
import { services } from './services.ts';
import { pipelineStorage } from './storage.ts';

/** The pipeline's pods would not share a frame store (Planned=False, FrameStoreNotShared). */
export class FrameStoreNotSharedError extends Error {
  override name = 'FrameStoreNotSharedError';
}

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
  renderOptions: RenderOptions,
): DesiredChildren {
  const resolved = pipelineStorage(pipeline, renderOptions);
  if (!resolved.ok) throw new FrameStoreNotSharedError(resolved.message);
  const options: RenderOptions = { ...renderOptions, storage: resolved.storage };
  const backends = plan.backends.map((g) => backendDeployment(pipeline, g, sessions, options));
  const objects: DesiredChild[] = [
    configMap(pipeline, sessions, plan, options),
    ...backends,
    ingestDeployment(pipeline, plan, options),
    ...services(pipeline),
  ];
  return { objects, backendNames: backends.map((b) => b.metadata.name as string) };
}
