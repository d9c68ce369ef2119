// The video-classifier sample, planned on its sample nodes: shared by render and reconcile tests.
import { fileURLToPath } from 'node:url';
import type { ModelSession, VideoPipeline } from '../../contract/crd-types.generated.ts';
import { loadManifests } from '../api/manifests.ts';
import { inventoryFromNodes, toPlanRequest } from '../api/to-planner.ts';
import { planPipeline } from '../planner/plan.ts';
import type { Plan } from '../planner/types.ts';

const sampleDir = fileURLToPath(new URL('../../samples/video-classifier/', import.meta.url));

export function samplePipeline(): { pipeline: VideoPipeline; sessions: ModelSession[]; plan: Plan } {
  const manifests = loadManifests([
    `${sampleDir}pipeline.yaml`,
    `${sampleDir}sessions.yaml`,
    `${sampleDir}cluster/nodes.yaml`,
  ]);
  const pipeline = {
    ...manifests.pipelines[0]!,
    metadata: { ...manifests.pipelines[0]!.metadata, namespace: 'media', uid: 'uid-1' },
  };
  const sessions = manifests.sessions.map((s) => ({ ...s, metadata: { ...s.metadata, namespace: 'media' } }));
  const outcome = planPipeline(toPlanRequest(pipeline, sessions, inventoryFromNodes(manifests.nodes)));
  if (!outcome.ok) throw new Error(`sample does not plan: ${outcome.message}`);
  return { pipeline, sessions, plan: outcome.plan };
}
