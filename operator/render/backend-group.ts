// What one backend group of a namespace's plan is in the cluster (pure): a ConfigMap with the
// group's runtime file — every pipeline whose sessions the group hosts, each with its topics,
// outputs, dead-letter topic, deadlines and Kafka settings (contract/runtime-file.ts) — and a
// Deployment of `replicas` pods, one GPU each, pinned to the group's product, mounting that file.
// Owned by every pipeline it serves. The pod template names the group only (never its pipelines
// or their settings), so a re-plan that keeps the group's sessions leaves its pods running.
import type { ModelSession, VideoPipeline } from '../../contract/crd-types.generated.ts';
import { keptStructure, structureDigest } from '../../contract/live-settings.ts';
import type { RuntimeFile } from '../../contract/runtime-file.ts';
import type { BackendGroupPlan, Plan } from '../planner/types.ts';
import { runtimeFileOf } from './config-map.ts';
import { deployment } from './deployments.ts';
import type { DesiredChild } from './desired.ts';
import { runtimeImage } from './images.ts';
import {
  BACKENDS_SERVICE,
  backendConfigName,
  backendLabels,
  backendName,
  LABELS,
  MANAGED_BY,
  PIPELINES_ANNOTATION,
  pipelineLabels,
} from './names.ts';
import { backendsNetworkPolicy } from './network-policies.ts';
import type { RenderOptions } from './options.ts';
import { sharedMetadata } from './owner.ts';
import { backendTolerations, OPS_PORT } from './pod.ts';
import { backendResources } from './resources.ts';

const PRODUCT_LABEL = 'nvidia.com/gpu.product';

/** A pipeline a group serves, with its plan (the group is among its backends). */
export interface HostedPlan {
  pipeline: VideoPipeline;
  plan: Plan;
  /** The pipeline's plan generation (status.plan.generation) these settings belong to; default 1. */
  generation?: number;
}

const byName = (a: HostedPlan, b: HostedPlan) =>
  a.pipeline.metadata.name < b.pipeline.metadata.name ? -1 : 1;

/** The group's runtime file: the first hosted pipeline (by name) in `runtime`, the others after. */
export function backendRuntimeFile(
  hosted: HostedPlan[],
  sessions: ModelSession[],
  options: Pick<RenderOptions, 'kafkaBootstrap' | 'kafkaAuth'>,
): RuntimeFile {
  const [first, ...others] = [...hosted]
    .sort(byName)
    .map((h) => runtimeFileOf(h.pipeline, sessions, h.plan, options, h.generation ?? 1));
  if (!first) throw new Error('a backend group hosts no pipeline');
  if (others.length === 0) return first;
  return {
    ...first,
    otherPipelines: others.map((f) => ({ runtime: f.runtime, kafkaSettings: f.kafka.settings })),
  };
}

export function backendGroupChildren(
  group: BackendGroupPlan,
  hosted: HostedPlan[],
  sessions: ModelSession[],
  options: RenderOptions,
  previousStructure?: string,
): DesiredChild[] {
  const owners = [...hosted].sort(byName).map((h) => h.pipeline);
  const namespace = owners[0]?.metadata.namespace ?? 'default';
  const name = backendName(group.name);
  const podLabels = backendLabels(group.name);
  // One pipeline: its label too (on the objects, not the pods), so `-l serving.vpo.dev/pipeline=X` finds them.
  const single: Record<string, string> =
    owners.length === 1
      ? { [LABELS.pipeline]: pipelineLabels(owners[0]!.metadata.name)[LABELS.pipeline]! }
      : {};
  // The pipelines it serves are its ownerReferences; the ConfigMap also names them. Not as an
  // annotation on the Deployment: a Deployment's annotations count as its spec (a new generation).
  const annotations = { [PIPELINES_ANNOTATION]: owners.map((p) => p.metadata.name).join(',') };
  const meta = (objectName: string, notes: Record<string, string> = {}) =>
    sharedMetadata(namespace, objectName, owners, { ...podLabels, ...single }, notes);
  const file = backendRuntimeFile(hosted, sessions, options);
  const models = [...new Set(group.sessions.map((s) => s.session))]
    .sort()
    .map((n) => sessions.find((m) => m.metadata.name === n))
    .filter((m): m is ModelSession => m !== undefined);
  const config = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(backendConfigName(group.name), annotations),
    data: { 'config.json': `${JSON.stringify(file, null, 2)}\n` },
  };
  const pods = deployment(
    meta(name),
    group.replicas,
    {
      role: 'backend',
      image: runtimeImage(
        models.map((m) => m.spec.executionProvider),
        options,
      ),
      podLabels,
      // The runtime file lists every pipeline's groups; this pod hosts the sessions of its own.
      args: ['--backend', group.name],
      env: { VPO_BACKEND_GROUP: group.name },
      resources: backendResources(models),
      configMap: backendConfigName(group.name),
      nodeSelector: { ...(owners[0]?.spec.placement?.nodeSelector ?? {}), [PRODUCT_LABEL]: group.gpuProduct },
      tolerations: backendTolerations(options),
      // What the pods cannot take live (every hosted pipeline's): a change rolls them; batch sizes,
      // duty cycles, rates and deadlines reach them through the file.
      // A pipeline leaving the group keeps the pods (keptStructure).
      structure: keptStructure(previousStructure, structureDigest(file, group.name)),
    },
    options,
  );
  return [config, pods];
}

/** One Service over every backend pod of the namespace, owned by the pipelines with backends. */
export function backendsService(namespace: string, owners: VideoPipeline[]): DesiredChild {
  const selector = { [LABELS.name]: 'vpo', [LABELS.managedBy]: MANAGED_BY, [LABELS.role]: 'backend' };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: sharedMetadata(namespace, BACKENDS_SERVICE, owners, selector),
    spec: {
      selector,
      ports: [{ name: 'ops', port: OPS_PORT, targetPort: 'ops', protocol: 'TCP' }],
    },
  };
}

/** Every backend object of a namespace's plan: per group its ConfigMap then Deployment, then the Service. */
export function namespaceBackends(
  backends: BackendGroupPlan[],
  plans: HostedPlan[],
  sessions: ModelSession[],
  options: RenderOptions,
  /** The structure digest a group's running pods carry (by Deployment name), if any. */
  previousStructure: (deployment: string) => string | undefined = () => undefined,
): { objects: DesiredChild[]; groups: string[] } {
  const objects: DesiredChild[] = [];
  const owners = new Map<string, VideoPipeline>();
  for (const group of backends) {
    const hosted = plans.filter((h) => group.pipelines.includes(h.pipeline.metadata.name));
    for (const h of hosted) owners.set(h.pipeline.metadata.name, h.pipeline);
    objects.push(
      ...backendGroupChildren(group, hosted, sessions, options, previousStructure(backendName(group.name))),
    );
  }
  const namespace = plans[0]?.pipeline.metadata.namespace ?? 'default';
  if (owners.size > 0) {
    objects.push(backendsService(namespace, [...owners.values()]));
    if (options.networkPolicies !== false)
      objects.push(backendsNetworkPolicy(namespace, [...owners.values()], options));
  }
  return { objects, groups: backends.map((b) => backendName(b.name)) };
}
