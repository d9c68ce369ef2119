// The planning step of a namespace reconcile (pure): every pipeline of the namespace with its
// sessions, the GPU inventory less what other namespaces' plans take, each pipeline's planning
// rate (the spec's target, or the load-driven rate), and the namespace's groups as last planned
// (kept where they still work). A pipeline whose pods would share no frame store is refused
// (FrameStoreNotShared) before planning; the others are keyed by what their backend pods must
// agree on to share a group (storage.ts). A pipeline that cannot be planned keeps what it had: its
// groups that serve no other pipeline are held as they were (not re-applied, not deleted, their
// GPUs counted as taken), as a single pipeline's children were before namespaces planned together.
// No await happens between reading other namespaces' plans and recording this one, so concurrent
// reconciles never hand out the same GPUs twice.
import type { ModelSession, VideoPipeline } from '../../contract/crd-types.generated.ts';
import { isVideoPipeline } from '../api/objects.ts';
import {
  crossObjectProblem,
  inventoryFromNodes,
  targetVideosPerSecond,
  toPlannerSession,
  toPlanRequest,
} from '../api/to-planner.ts';
import type { KubeObject } from '../kube/types.ts';
import { planNamespace } from '../planner/namespace.ts';
import {
  DEFAULT_PLAN_FOR,
  type NamespacePlan,
  type PlanFor,
  type PlannerPipeline,
  type PreviousGroup,
} from '../planner/types.ts';
import { runtimeConfigFromPlan } from '../render/runtime-config.ts';
import { pipelineStorage, type StorageDefaults, storageShareKey } from '../render/storage.ts';
import type { Caches, NamespaceState, Planned } from './context.ts';
import { sessionsOf } from './pipeline-plan.ts';
import { previousGroups } from './stable-groups.ts';

export interface NamespaceInputs {
  namespace: string;
  caches: Caches;
  /** The planning rate of each pipeline (videos/s before peakFactor), by `namespace/name`. */
  rateOf(key: string, pipeline: VideoPipeline): number;
  /** The namespace's last plan made by this operator, if any. */
  previous: NamespaceState | undefined;
  /** GPUs per product other namespaces' plans take. */
  usedGpus: Record<string, number>;
  /** The operator's default frame store and object store (render options). */
  storage: StorageDefaults;
  /** What arrivals plans are made for (absent = steady). */
  planFor?: PlanFor;
}

export interface NamespaceRound {
  pipelines: (KubeObject & VideoPipeline)[];
  sessions: ModelSession[];
  plan: NamespacePlan;
  outcomes: Map<string, Planned>;
  inputs: NamespaceState['inputs'];
  /** Groups kept as they were for pipelines that could not be planned. */
  held: PreviousGroup[];
  usedGpus: Record<string, number>;
}

const add = (into: Record<string, number>, groups: PreviousGroup[]) => {
  for (const g of groups) into[g.gpuProduct] = (into[g.gpuProduct] ?? 0) + g.replicas;
  return into;
};

/** The pipelines of a namespace that are not being deleted, by name. */
export function pipelinesIn(caches: Caches, namespace: string): (KubeObject & VideoPipeline)[] {
  return [...caches.pipelines.values()]
    .filter((o) => (o.metadata.namespace ?? 'default') === namespace && !o.metadata.deletionTimestamp)
    .filter(isVideoPipeline)
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
}

/** GPUs per product of the namespaces other than `namespace`: their last plans, else their statuses. */
export function otherNamespacesGpus(
  caches: Caches,
  states: ReadonlyMap<string, NamespaceState>,
  namespace: string,
) {
  const namespaces = new Set([...caches.pipelines.values()].map((o) => o.metadata.namespace ?? 'default'));
  const used: Record<string, number> = {};
  for (const ns of namespaces) {
    if (ns === namespace) continue;
    const state = states.get(ns);
    if (state)
      for (const [product, n] of Object.entries(state.usedGpus)) used[product] = (used[product] ?? 0) + n;
    else add(used, previousGroups(pipelinesIn(caches, ns)));
  }
  return used;
}

export function planNamespaceRound(inputs: NamespaceInputs): NamespaceRound {
  const { namespace, caches } = inputs;
  const pipelines = pipelinesIn(caches, namespace);
  const sessions = sessionsOf(caches, namespace);
  const nodes = inventoryFromNodes([...caches.nodes.values()]);
  const failed = new Map<string, Planned>();
  const planner: PlannerPipeline[] = [];
  const planInputs: NamespaceState['inputs'] = new Map();
  for (const pipeline of pipelines) {
    const name = pipeline.metadata.name;
    const rateVps = inputs.rateOf(`${namespace}/${name}`, pipeline);
    planInputs.set(name, { generation: pipeline.metadata.generation, rateVps });
    try {
      const problem = crossObjectProblem(pipeline, sessions);
      // Refused before planning, so it takes no GPUs: its pods could not share frames.
      const storage = pipelineStorage(pipeline, inputs.storage);
      if (problem) failed.set(name, { ok: false, ...problem });
      else if (!storage.ok)
        failed.set(name, { ok: false, reason: 'FrameStoreNotShared', message: storage.message });
      else
        planner.push({
          ...toPlanRequest(pipeline, sessions, nodes).pipeline,
          videosPerSecond: rateVps,
          shareKey: storageShareKey(storage.storage),
          arrivals: inputs.planFor ?? DEFAULT_PLAN_FOR,
        });
    } catch (err) {
      failed.set(name, { ok: false, reason: 'InvalidSpec', message: (err as Error).message });
    }
  }
  const previous = inputs.previous
    ? previousOf(inputs.previous.plan, inputs.previous.held ?? [])
    : previousGroups(pipelines);
  const planSessions = sessions.map(toPlannerSession);
  const byName = new Map(pipelines.map((p) => [p.metadata.name, p]));
  // At most a few rounds: each drops the pipelines whose plan could not be rendered.
  for (;;) {
    const live = new Set(pipelines.map((p) => p.metadata.name).filter((n) => !failed.has(n)));
    const held = previous.filter((g) =>
      g.members.every((m) => byName.has(m.pipeline) && !live.has(m.pipeline)),
    );
    const usedGpus = add({ ...inputs.usedGpus }, held);
    const plan = planNamespace({
      namespace,
      pipelines: planner.filter((p) => live.has(p.name)),
      sessions: planSessions,
      nodes,
      usedGpus,
      previous: previous.filter((g) => !held.includes(g)),
    });
    const outcomes = new Map<string, Planned>(failed);
    let broken = false;
    for (const { name, outcome } of plan.pipelines) {
      if (!outcome.ok) {
        outcomes.set(name, outcome);
        continue;
      }
      try {
        runtimeConfigFromPlan(byName.get(name)!, sessions, outcome.plan);
        outcomes.set(name, outcome);
      } catch (err) {
        failed.set(name, { ok: false, reason: 'InvalidConfig', message: (err as Error).message });
        broken = true;
      }
    }
    if (broken) continue;
    const taken = add({}, held);
    for (const b of plan.backends) taken[b.gpuProduct] = (taken[b.gpuProduct] ?? 0) + b.replicas;
    return { pipelines, sessions, plan, outcomes, inputs: planInputs, held, usedGpus: taken };
  }
}

/** The groups of a plan this operator made, plus those it held, as the planner's previous groups. */
function previousOf(plan: NamespacePlan, held: PreviousGroup[]): PreviousGroup[] {
  const groups = plan.backends.map((b) => ({
    name: b.name,
    gpuProduct: b.gpuProduct,
    replicas: b.replicas,
    occupancy: b.occupancy,
    saturated: b.saturated,
    members: b.sessions.map((s) => ({ pipeline: s.pipeline, stage: s.stage })),
  }));
  return [...groups, ...held];
}

export { targetVideosPerSecond };
