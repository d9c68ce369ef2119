// A pipeline's plan, as the planner returns it and the operator writes it (in numbers) into
// VideoPipeline status.plan: per stage a budget, batch and replicas; per backend group (one
// Deployment of identical GPU pods) its hosted sessions, batch sizes, rates and duty cycle. The
// operator renders the runtime file from it (operator/render/runtime-file.ts). Units in the names.

export interface StagePlan {
  name: string;
  session: string;
  latencyBudgetMs: number;
  rateVps: number;
  capacityVps: number;
  gpuShare: number;
  replicas: number;
  batchSize: number;
}

export interface BackendSessionPlan {
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

export interface Plan {
  gpus: number;
  gpuProduct: string;
  lowerBoundGpus: number;
  stages: StagePlan[];
  backends: BackendGroupPlan[];
  ingest: IngestPlan;
  explanation: string;
}
