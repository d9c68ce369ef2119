// The planner's data contract. The planner is a pure function of these values: no Kubernetes,
// Kafka, ONNX or filesystem imports anywhere under operator/planner/. Units are in the names.
// Adapters (operator/api/, the CLI, the operator) convert manifests and Node objects into these.
// The plan it returns is contract data (contract/plan.ts): the operator renders it for the runtime.
import type { PlanFailureReason } from '../../contract/condition-reasons.ts';
import type { BackendGroupPlan, NamespaceTotals, Plan } from '../../contract/plan.ts';

/** What arrivals a plan is made for (PlannerPipeline.arrivals; `--plan-for` of vpo plan and the operator). */
export type PlanFor = 'steady' | 'poisson';
export const PLAN_FOR: readonly PlanFor[] = ['steady', 'poisson'];
/**
 * Plans hold under random arrivals unless told the arrivals are paced: steady plans run GPUs at
 * occupancy 1, and Poisson arrivals at that load keep 53% of videos within the SLO (simulate-fidelity).
 */
export const DEFAULT_PLAN_FOR: PlanFor = 'poisson';

/** Latency of ONE batch of `batchSize` on an otherwise idle device. */
export interface ProfilePoint {
  batchSize: number;
  latencyMicros: number;
  /** Device memory the session needs at this batch size; absent = use the session's gpuMemoryMiB. */
  memoryMiB?: number;
}

export interface SessionProfile {
  /** Matches node label nvidia.com/gpu.product, or "cpu". */
  gpuProduct: string;
  points: ProfilePoint[];
}

export interface PlannerSession {
  /** ModelSession name. */
  name: string;
  maxBatchSize: number;
  /** Memory at maxBatchSize when a profile point gives none. */
  gpuMemoryMiB?: number;
  profiles: SessionProfile[];
}

export interface PlannerStage {
  name: string;
  /** ModelSession name (sessionRef.name). */
  session: string;
  /** Upstream stage names, or "source". A stage with several inputs is a join. */
  inputs: string[];
  /** Outputs per input, multiplies the rate of everything downstream. */
  fanOut: number;
}

export interface PlannerPipeline {
  namespace: string;
  name: string;
  /** Source rate before peakFactor. */
  videosPerSecond: number;
  /**
   * How videos arrive, as the plan assumes: 'poisson' (the default, DEFAULT_PLAN_FOR: at random;
   * the planner leaves each batch headroom for the backlog random arrivals build, headroom.ts) or
   * 'steady' (evenly spaced, Nexus's deterministic model: fewer GPUs, for paced sources only).
   */
  arrivals?: PlanFor;
  peakFactor: number;
  sloMs: number;
  /** Paid before the split: download + decode once per video. */
  ingestAllowanceMs: number;
  /** Videos one ingest pod downloads and decodes at once (source.downloadConcurrency; default 4). */
  ingestConcurrency?: number;
  /**
   * CPU time one video costs the ingest (one core per concurrent decode), which sizes the ingest
   * pods, and where that figure and ingestAllowanceMs come from (a measured ingestProfile, a
   * default, or the user's allowance), for the explanation. Without it the pods are sized by
   * ingestAllowanceMs as a wall time per video.
   */
  ingestCost?: { cpuMillisPerVideo: number; costBasis: string; shareBasis: string };
  /** Paid per stage on the longest path: one Kafka hop. */
  hopAllowanceMs: number;
  stages: PlannerStage[];
  /**
   * placement.dedicatedGpus: true keeps the pipeline on GPUs of its own; by default the pipelines
   * of a namespace share GPUs (operator/planner/namespace.ts).
   */
  dedicatedGpus?: boolean;
  /**
   * Pipelines share GPUs only with those of the same key (absent = ''): the operator keys them by
   * what their backend pods must agree on (object store, frame volume: operator/render/storage.ts).
   */
  shareKey?: string;
  nodeSelector: Record<string, string>;
  /** Allow-list of GPU products, in order of preference; empty = any. */
  gpuProducts: string[];
}

/** One Kubernetes node's GPUs, as read from a Node object (see inventory.ts). */
export interface GpuNode {
  name: string;
  product: string;
  gpus: number;
  memoryMiB: number;
  labels: Record<string, string>;
  unschedulable: boolean;
}

export interface PlanRequest {
  pipeline: PlannerPipeline;
  sessions: PlannerSession[];
  nodes: GpuNode[];
  /** GPUs per product already used by other pipelines' plans. */
  usedGpus?: Record<string, number>;
}

/** A backend group as the last plan of the namespace had it: what a re-plan keeps where it can. */
export interface PreviousGroup {
  name: string;
  gpuProduct: string;
  replicas: number;
  /** Hosted batch latencies over the duty cycle, 0..1. */
  occupancy: number;
  /** One stage running back to back (never kept as a packed group). */
  saturated: boolean;
  members: { pipeline: string; stage: string }[];
}

/** Every pipeline of one namespace, planned together (their residuals share GPUs). */
export interface NamespacePlanRequest {
  namespace: string;
  pipelines: PlannerPipeline[];
  sessions: PlannerSession[];
  nodes: GpuNode[];
  /** GPUs per product already used by other namespaces' plans (and groups held back). */
  usedGpus?: Record<string, number>;
  /** The namespace's backend groups as last planned: kept (same name, same sessions) where they still work. */
  previous?: PreviousGroup[];
}

export interface PoolSummary {
  gpuProduct: string;
  pipelines: string[];
  /** kept: the last plan's groups kept; fresh: packed afresh; alone: each pipeline on its own. */
  mode: 'fresh' | 'kept' | 'alone';
  gpus: number;
  freshGpus: number;
  aloneGpus: number;
  keptGpus?: number;
}

export interface NamespacePlan {
  namespace: string;
  /** Per pipeline, sorted by name: its plan, or why it has none. */
  pipelines: { name: string; outcome: PlanOutcome }[];
  /** Every backend group of the namespace (one Deployment each), in plan order. */
  backends: BackendGroupPlan[];
  totals: NamespaceTotals;
  /** Per pool (pipelines sharing one product and node selector): how it was packed. */
  pools: PoolSummary[];
  /** One paragraph: what was shared, what it saved, what was kept from the last plan. */
  explanation: string;
}

export type { PlanFailureReason } from '../../contract/condition-reasons.ts';
export type {
  BackendGroupPlan,
  BackendSessionPlan,
  IngestPlan,
  NamespaceTotals,
  Plan,
  StagePlan,
} from '../../contract/plan.ts';

export type PlanOutcome =
  | { ok: true; plan: Plan }
  | {
      ok: false;
      reason: PlanFailureReason;
      message: string /** best plan found, if any (e.g. too few GPUs) */;
      plan?: Plan;
    };
