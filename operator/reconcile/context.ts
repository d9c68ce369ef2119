// What reconcilers are given: the API, the Kafka admin, the informers' caches, the namespace plans
// this operator made (so namespaces subtract each other's GPUs and pipelines read their part),
// load state, and the injected clock, logger, metrics and event recorder. Built once by the manager.

import type { PlannedReason } from '../../contract/condition-reasons.ts';
import type { GroupMember, KafkaAdmin } from '../../kafka/admin.ts';
import type { Clock } from '../clock.ts';
import type { OperatorMetrics } from '../http/metrics.ts';
import type { KubeApi, KubeObject } from '../kube/types.ts';
import type { LoadObserver } from '../load/observer.ts';
import type { LoadPolicy, LoadState } from '../load/policy.ts';
import type { Logger } from '../logger.ts';
import type { ModelChecker } from '../models/model-check.ts';
import type { NamespacePlan, Plan, PlanFor, PreviousGroup } from '../planner/types.ts';
import type { RenderOptions } from '../render/options.ts';
import type { EventRecorder } from './events.ts';

export type TopicAdmin = Pick<KafkaAdmin, 'ensureTopics' | 'deleteTopics'>;

export interface Caches {
  pipelines: ReadonlyMap<string, KubeObject>;
  sessions: ReadonlyMap<string, KubeObject>;
  nodes: ReadonlyMap<string, KubeObject>;
  /** Profiling Jobs (label serving.vpo.dev/role=profile), by `namespace/name`. */
  jobs: ReadonlyMap<string, KubeObject>;
  /** Deployments vpo manages (ingest and backend groups), by `namespace/name`. */
  deployments: ReadonlyMap<string, KubeObject>;
}

export type Planned =
  | { ok: true; plan: Plan }
  | { ok: false; reason: PlannedReason; message: string; plan?: Plan };

/** A namespace's plan as the namespace reconcile made and applied it (namespace-reconcile.ts). */
export interface NamespaceState {
  plan: NamespacePlan;
  /** Per pipeline: its plan, or why it has none (problems found before planning included). */
  outcomes: Map<string, Planned>;
  /** What each pipeline was planned with; a pipeline whose generation or rate moved asks again. */
  inputs: Map<string, { generation: number | undefined; rateVps: number }>;
  /** Groups kept as they were for pipelines that could not be planned (not applied, not deleted). */
  held: PreviousGroup[];
  /** GPUs per product its backend groups take, held groups included. */
  usedGpus: Record<string, number>;
  /**
   * Per planned pipeline: the plan generation its backend groups' runtime files carry
   * (plan-generation.ts), which its reconcile writes to status.plan.generation.
   */
  generations: Map<string, number>;
}

export interface ReconcileContext {
  api: KubeApi;
  topics: TopicAdmin;
  load: LoadObserver | undefined;
  /**
   * Members of consumer groups with what they declared at their last join (the plan generation
   * backend pods run); absent = not observed (status.observed.planRollout stays unset).
   */
  members?: (groupIds: string[]) => Promise<GroupMember[]>;
  loadPolicy: LoadPolicy;
  /** What arrivals plans are made for (`--plan-for`; absent = steady). */
  planFor?: PlanFor;
  caches: Caches;
  /** The plan of each namespace, by namespace. */
  namespacePlans: Map<string, NamespaceState>;
  /** Load-driven planning state by pipeline key, with the generation it belongs to and whether
   * the plan's backends were all available at the last reconcile. */
  loadStates: Map<string, LoadState & { generation: number | undefined; rolledOut?: boolean }>;
  render: RenderOptions;
  /** Fetches and opens s3:// and http(s):// models for ModelSession Ready (absent: not checked). */
  models?: ModelChecker;
  events: EventRecorder;
  clock: Clock;
  logger: Logger;
  metrics: OperatorMetrics;
  /** Asks for other keys to be reconciled (e.g. a namespace's pipelines after it re-planned). */
  enqueuePipelines(keys: string[]): void;
  /** Asks for a namespace to be re-planned. */
  enqueueNamespaces(namespaces: string[]): void;
}

export interface ReconcileResult {
  requeueAfterMs?: number;
}
