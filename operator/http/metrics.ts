// The operator's Prometheus metrics, on a registry of its own (no global state).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface OperatorMetrics {
  registry: Registry;
  reconciles: Counter<'kind' | 'result'>;
  reconcileSeconds: Histogram<'kind'>;
  queueDepth: Gauge<'kind'>;
  /** GPUs of the backend groups hosting a pipeline's stages (shared ones included). */
  plannedGpus: Gauge<'pipeline'>;
  /** A pipeline's share of those GPUs (adds up over a namespace). */
  plannedGpuShare: Gauge<'pipeline'>;
  /** GPUs of a namespace's plan: every backend group, shared or not. */
  plannedNamespaceGpus: Gauge<'namespace'>;
  plannedRate: Gauge<'pipeline'>;
  observedRate: Gauge<'pipeline'>;
  /** status.plan.generation: the generation runtime pods should report (vpo_plan_generation). */
  planGeneration: Gauge<'pipeline'>;
  leader: Gauge;
}

export function createOperatorMetrics(): OperatorMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    reconciles: new Counter({
      name: 'vpo_operator_reconciles_total',
      help: 'Reconciles by kind and result (success, error).',
      labelNames: ['kind', 'result'],
      registers,
    }),
    reconcileSeconds: new Histogram({
      name: 'vpo_operator_reconcile_duration_seconds',
      help: 'Reconcile duration in seconds.',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'vpo_operator_queue_depth',
      help: 'Keys waiting in the work queue.',
      labelNames: ['kind'],
      registers,
    }),
    plannedGpus: new Gauge({
      name: 'vpo_operator_pipeline_gpus',
      help: "GPUs of the backend groups that host a pipeline's stages, shared groups included.",
      labelNames: ['pipeline'],
      registers,
    }),
    plannedGpuShare: new Gauge({
      name: 'vpo_operator_pipeline_gpu_share',
      help: "A pipeline's share of its backend groups' GPUs, by busy time; adds up over a namespace.",
      labelNames: ['pipeline'],
      registers,
    }),
    plannedNamespaceGpus: new Gauge({
      name: 'vpo_operator_planned_gpus',
      help: "GPUs of a namespace's plan: every backend group of its pipelines, shared or not.",
      labelNames: ['namespace'],
      registers,
    }),
    plannedRate: new Gauge({
      name: 'vpo_operator_planned_videos_per_second',
      help: 'Source rate (before peakFactor) the current plan is for.',
      labelNames: ['pipeline'],
      registers,
    }),
    observedRate: new Gauge({
      name: 'vpo_operator_observed_videos_per_second',
      help: 'Arrival rate on the source topic, from Kafka end offsets.',
      labelNames: ['pipeline'],
      registers,
    }),
    planGeneration: new Gauge({
      name: 'vpo_operator_plan_generation',
      help: 'The plan generation (status.plan.generation) runtime pods should run.',
      labelNames: ['pipeline'],
      registers,
    }),
    leader: new Gauge({ name: 'vpo_operator_leader', help: '1 while this replica leads.', registers }),
  };
}
