// What reconcilers are given: the API, the Kafka admin, the informers' caches, the plans this
// operator made (so pipelines subtract each other's GPUs), load state, and the injected clock,
// logger, metrics and event recorder. Built once by the manager.
import type { KafkaAdmin } from '../../kafka/admin.ts';
import type { Clock } from '../clock.ts';
import type { OperatorMetrics } from '../http/metrics.ts';
import type { KubeApi, KubeObject } from '../kube/types.ts';
import type { LoadObserver } from '../load/observer.ts';
import type { LoadPolicy, LoadState } from '../load/policy.ts';
import type { Logger } from '../logger.ts';
import type { ModelChecker } from '../models/model-check.ts';
import type { RenderOptions } from '../render/options.ts';
import type { EventRecorder } from './events.ts';

export type TopicAdmin = Pick<KafkaAdmin, 'ensureTopics' | 'deleteTopics'>;

export interface Caches {
  pipelines: ReadonlyMap<string, KubeObject>;
  sessions: ReadonlyMap<string, KubeObject>;
  nodes: ReadonlyMap<string, KubeObject>;
  /** Profiling Jobs (label serving.vpo.dev/role=profile), by `namespace/name`. */
  jobs: ReadonlyMap<string, KubeObject>;
}

export interface PlannedUse {
  gpuProduct: string;
  gpus: number;
}

export interface ReconcileContext {
  api: KubeApi;
  topics: TopicAdmin;
  load: LoadObserver | undefined;
  loadPolicy: LoadPolicy;
  caches: Caches;
  /** GPUs each pipeline's current plan uses, by pipeline key. */
  plans: Map<string, PlannedUse>;
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
  /** Asks for other keys to be reconciled (e.g. all pipelines after one frees GPUs). */
  enqueuePipelines(keys: string[]): void;
}

export interface ReconcileResult {
  requeueAfterMs?: number;
}
