// The ConfigMap with the runtime config every pod of the pipeline mounts at /etc/vpo. Pure.
// Pods read the file; it carries no hash into the pod templates, so a plan change that only
// touches other groups does not roll a group's pods.

import { runtimeConfigFromPlan } from '../../runtime/config/from-plan.ts';
import type { ModelSession, VideoPipeline } from '../api/types.generated.ts';
import type { Plan } from '../planner/types.ts';
import { configMapName } from './names.ts';
import { childMetadata } from './owner.ts';

export function configMap(pipeline: VideoPipeline, sessions: ModelSession[], plan: Plan) {
  const config = runtimeConfigFromPlan(pipeline, sessions, plan);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMetadata(pipeline, configMapName(pipeline.metadata.name)),
    data: { 'config.json': `${JSON.stringify(config, null, 2)}\n` },
  };
}
