// Condition types and their reasons (API.md "Conditions"): each reason is one CamelCase word, and
// this file is the one place to add one. The operator writes them into status; events reuse them.

export type ConditionType = 'Planned' | 'TopicsReady' | 'Degraded' | 'Ready' | 'Profiled';

/** Why the planner could not plan (operator/planner/plan.ts). */
export type PlanFailureReason =
  | 'Infeasible'
  | 'MissingSession'
  | 'MissingProfile'
  | 'InsufficientGPUs'
  | 'CyclicGraph';

/** VideoPipeline Planned. */
export type PlannedReason =
  | 'Planned'
  | PlanFailureReason
  | 'InputMismatch'
  | 'InvalidSpec'
  | 'InvalidConfig'
  | 'FrameStoreNotShared';

/** VideoPipeline TopicsReady. */
export type TopicsReadyReason = 'TopicsReady' | 'KafkaUnavailable' | 'NotPlanned';

/** VideoPipeline Degraded (True: lag growing or below target; False: as planned, or nothing runs). */
export type DegradedReason = 'AsPlanned' | 'NoBackends' | 'LagGrowing' | 'BelowTarget';

/** VideoPipeline Ready. */
export type PipelineReadyReason =
  | 'Ready'
  | 'NotPlanned'
  | 'TopicsNotReady'
  | 'Degraded'
  | 'BackendsUnavailable'
  | 'IngestUnavailable'
  | 'ProviderUnavailable';

/** ModelSession Ready. */
export type SessionReadyReason =
  | 'Ready'
  | 'InvalidModel'
  | 'NotProfiled'
  | 'ModelUnreachable'
  | 'ChecksumMismatch'
  | 'NotAnOnnxModel';

/** ModelSession Profiled. */
export type ProfiledReason = 'Profiled' | 'Profiling' | 'ProfilingFailed' | 'NoProfile';

export type ConditionReason =
  | PlannedReason
  | TopicsReadyReason
  | DegradedReason
  | PipelineReadyReason
  | SessionReadyReason
  | ProfiledReason;

/** Reasons of events that are not conditions: load-driven re-plans. */
export type ReplanReason = 'LoadAbove' | 'LoadBelow';
