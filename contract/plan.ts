// A pipeline's plan, as the planner returns it and the operator writes it (in numbers) into
// VideoPipeline status.plan: per stage a budget, batch and replicas; per backend group (one
// Deployment of identical GPU pods) its hosted sessions, batch sizes, rates and duty cycle. The
// pipelines of a namespace are planned together (operator/planner/namespace.ts): a backend group
// may host sessions of several of them, so each pipeline's plan lists the groups that host its
// stages, with every session they host, and the namespace's totals. The operator renders the
// runtime files from it (operator/render/). Units in the names.

export interface StagePlan {
  name: string;
  session: string;
  latencyBudgetMs: number;
  rateVps: number;
  capacityVps: number;
  /**
   * GPUs this stage holds: on each group hosting it, the group's replicas × the stage's share of
   * the group's busy time (its ℓ(b) over Σℓ of the group's sessions). Sums to the pipeline's
   * gpuShare, and over a namespace's pipelines to the namespace's GPUs.
   */
  gpuShare: number;
  replicas: number;
  batchSize: number;
}

export interface BackendSessionPlan {
  /** The pipeline whose stage this is: a group may host sessions of several pipelines. */
  pipeline: string;
  stage: string;
  /** ModelSession name, so a runtime config can be rendered from the plan alone. */
  session: string;
  batchSize: number;
  /** Per replica. */
  rateVps: number;
}

export interface BackendGroupPlan {
  name: string;
  gpuProduct: string;
  replicas: number;
  dutyCycleMicros: number;
  occupancy: number;
  memoryMiB: number;
  /** One stage running its saturated batch back to back (DESIGN.md step 4), not a packed GPU. */
  saturated: boolean;
  /** The pipelines whose sessions the group hosts, sorted. */
  pipelines: string[];
  sessions: BackendSessionPlan[];
}

/** The ingest pods (CPU only) in front of the stages. */
export interface IngestPlan {
  /** Pods: the planned source rate over one pod's capacity, rounded up; at least 1. */
  replicas: number;
  /**
   * Videos per second one pod is planned to take: ingestConcurrency videos at once, each within
   * the ingest allowance (ingestConcurrency × 1000 / ingestAllowanceMs). Absent with no allowance.
   */
  capacityVps?: number;
}

/** The namespace's plan as a whole, shown in each of its pipelines' plans. */
export interface NamespaceTotals {
  namespace: string;
  /** Pipelines planned (feasible and placed). */
  pipelines: number;
  /** GPUs of every backend group of the namespace. */
  gpus: number;
  /** GPUs the same pipelines would need if each were planned on its own. */
  gpusAlone: number;
  /** Σ of the pipelines' fractional lower bounds. */
  lowerBoundGpus: number;
}

export interface Plan {
  /** GPUs of the backend groups that host this pipeline's stages (shared ones included). */
  gpus: number;
  /** This pipeline's share of those GPUs: Σ of its stages' gpuShare. */
  gpuShare: number;
  /** GPUs this pipeline would need planned on its own. */
  gpusAlone: number;
  gpuProduct: string;
  lowerBoundGpus: number;
  stages: StagePlan[];
  backends: BackendGroupPlan[];
  /** Pipelines it shares a backend group with, sorted. */
  sharedWith: string[];
  ingest: IngestPlan;
  explanation: string;
  /** The namespace's totals (absent for a plan made outside a namespace plan). */
  namespace?: NamespaceTotals;
}
