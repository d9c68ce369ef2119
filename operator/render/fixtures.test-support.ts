// The video-classifier sample, planned on its sample nodes: shared by render and reconcile tests.
import { fileURLToPath } from 'node:url';
import type { ModelSession, VideoPipeline } from '../../contract/crd-types.generated.ts';
import { loadManifests } from '../api/manifests.ts';
import { inventoryFromNodes, toPlannerSession, toPlanRequest } from '../api/to-planner.ts';
import { planNamespace } from '../planner/namespace.ts';
import { planPipeline } from '../planner/plan.ts';
import type { Plan } from '../planner/types.ts';
import { namespaceBackends } from './backend-group.ts';
import { type DesiredChild, desiredChildren } from './desired.ts';
import type { RenderOptions } from './options.ts';

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

/** Everything the operator renders for the sample in its namespace: its own children, then its backend groups'. */
export function sampleChildren(options: RenderOptions, planned = samplePipeline()): DesiredChild[] {
  const { pipeline, sessions, plan } = planned;
  return [
    ...desiredChildren(pipeline, sessions, plan, options),
    ...namespaceBackends(plan.backends, [{ pipeline, plan }], sessions, options).objects,
  ];
}

/**
 * `count` light copies of the sample in namespace media (`vc-0`, `vc-1`, …, `videosPerSecond`
 * each, own topics by default), planned together on the sample nodes: they share backend groups.
 */
export function sampleNamespace(count: number, videosPerSecond = '0.2') {
  const manifests = loadManifests([
    `${sampleDir}pipeline.yaml`,
    `${sampleDir}sessions.yaml`,
    `${sampleDir}cluster/nodes.yaml`,
  ]);
  const base = manifests.pipelines[0]!;
  const pipelines: VideoPipeline[] = Array.from({ length: count }, (_, i) => ({
    ...base,
    metadata: { ...base.metadata, name: `vc-${i}`, namespace: 'media', uid: `uid-vc-${i}` },
    spec: {
      ...base.spec,
      source: { ...base.spec.source, kafkaTopic: undefined },
      output: {},
      deadLetter: { maxRetries: 3 },
      load: { videosPerSecond },
    },
  }));
  const sessions = manifests.sessions.map((s) => ({ ...s, metadata: { ...s.metadata, namespace: 'media' } }));
  const nodes = inventoryFromNodes(manifests.nodes);
  const planned = planNamespace({
    namespace: 'media',
    pipelines: pipelines.map((p) => toPlanRequest(p, sessions, nodes).pipeline),
    sessions: sessions.map(toPlannerSession),
    nodes,
  });
  const hosted = planned.pipelines.map(({ name, outcome }) => {
    if (!outcome.ok) throw new Error(`${name} does not plan: ${outcome.message}`);
    return { pipeline: pipelines.find((p) => p.metadata.name === name)!, plan: outcome.plan };
  });
  return { pipelines, sessions, planned, hosted };
}
