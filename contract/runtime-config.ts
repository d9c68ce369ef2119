// The runtime config: everything a runtime role (ingest, backend, or the embedded mode that runs
// all roles) needs to run one pipeline. It is data only (JSON-serialisable, no functions), built
// by `runtimeConfigFromPlan` from the manifests and the plan, so the operator renders the very
// same object into a ConfigMap that `vpo run` builds in memory. Format: docs/runtime-config.md.

import type { DecoderKind, SamplingMode } from './decode-bounds.ts';
import type { ExecutionProvider } from './execution-providers.ts';

export type { ExecutionProvider };

export const RUNTIME_CONFIG_VERSION = 1;

export type LatePolicy = 'process' | 'deadLetter';
export type InputLayout = 'NCHW' | 'NFCHW' | 'NCFHW';
/** How an item's region is fitted into the model input (whole frames are never resized). */
export type ResizeMode = 'stretch' | 'keepAspect';

/** A DB text detector's probability map → text boxes (runtime/backend/db-text.ts). */
export interface DbTextDecoderConfig {
  kind: 'dbText';
  threshold: number;
  boxThreshold: number;
  unclipRatio: number;
  minSizePx: number;
  maxBoxes: number;
}

/** A CTC recogniser's per-step class probabilities → text (runtime/backend/ctc-text.ts). */
export interface CtcTextDecoderConfig {
  kind: 'ctcText';
  /** The character dictionary, one character per line (opened like the model: modelRoot applies). */
  dictionary: { uri: string; sha256?: string };
  /** The class after the dictionary's characters is a space. */
  spaceCharacter: boolean;
}

/** How a model's output becomes the stage output; absent = a class vector (decode-output.ts). */
export type OutputDecoderConfig = { kind: 'classes' } | DbTextDecoderConfig | CtcTextDecoderConfig;

/** Decoders whose output is a list of items: their stage fans out (one message per item). */
export const ITEM_DECODERS: readonly OutputDecoderConfig['kind'][] = ['dbText'];

export interface RuntimeSourceConfig {
  allowedUriSchemes: string[];
  maxVideoBytes: number;
  allowPrivateNetworks: boolean;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  maxDurationSeconds: number;
  /** Downloads in flight at once per ingest worker. */
  downloadConcurrency: number;
  /** Serve POST /v1/videos. */
  httpEnabled: boolean;
  /** Largest coded picture, width × height (FrameTooLarge beyond, before a decoder allocates). */
  maxPixelsPerFrame: number;
  /** Decoded picture bytes one video may produce (DecodeBudgetExceeded beyond). */
  maxDecodedBytesPerVideo: number;
  /** `gpu`: NVDEC (DecoderUnavailable where there is none). */
  decoder: DecoderKind;
  /**
   * Directories file:// sources may be read from (local runs: `vpo run --videos`); absent or
   * empty = file:// is refused, whatever allowedUriSchemes says.
   */
  fileRoots?: string[];
  /** POST /v1/videos needs `Authorization: Bearer <token>`; the process reads it from this variable. */
  httpTokenEnv?: string;
  /** Callers may choose videoIds on POST /v1/videos (default: the server assigns them). */
  clientVideoIds?: boolean;
}

export interface RuntimeStageInput {
  /** `frames`: decoded frames from the frame store; `stages`: upstream score vectors. */
  source: 'frames' | 'stages';
  name?: string;
  layout: InputLayout;
  frames: number;
  width: number;
  height: number;
  mean?: number[];
  std?: number[];
  /** How an item's region is fitted into width × height (default stretch). */
  resize?: ResizeMode;
}

export interface RuntimeStage {
  name: string;
  session: string;
  /** Upstream stage names, or `source`. Several = a join keyed by videoId. */
  inputs: string[];
  /** Stages that consume this stage's output; empty = a sink (publishes to the output topic). */
  downstream: string[];
  /** The stage's input topic. */
  topic: string;
  fanOut: number;
  joinTimeoutMs?: number;
  /** This stage's share of the SLO (the plan's latencyBudgetMs). */
  latencyBudgetMs: number;
  /**
   * Deadline of an item at this stage = ingestedAtMs + deadlineOffsetMs: the ingest allowance,
   * then for every stage on the longest path up to and including this one a transport hop and
   * its budget (slack unused upstream carries forward).
   */
  deadlineOffsetMs: number;
  /** Largest planned batch. */
  batchSize: number;
  /** Planned backend replicas hosting this stage (workers in the embedded mode). */
  replicas: number;
  maxQueueDelayMs?: number;
  /** The session's profile on the planned device (seeds the batcher's latency fit). */
  profile: { batchSize: number; latencyMicros: number }[];
  model: { uri: string; sha256?: string };
  executionProvider: ExecutionProvider;
  /** The CUDA device among those the process sees (ModelSession spec.cuda.deviceId); absent = 0. */
  deviceId?: number;
  input: RuntimeStageInput;
  output: { name?: string; labels?: string[]; decoder?: OutputDecoderConfig };
}

/**
 * A gather (fan-in): collects every item of a video that its input stage produced after a
 * fan-out, the count announced on each item message, into one result. Runs no model. Its result
 * goes to the output topic.
 */
export interface RuntimeGather {
  name: string;
  /** The stage whose item outputs it collects. */
  input: string;
  /** The gather's input topic. */
  topic: string;
  /** A video whose items have not all arrived this long after its first one is a JoinTimeout dead letter. */
  timeoutMs: number;
  /** `items`: the list of items; `textLines`: distinct text lines, identical lines merged. */
  merge: GatherMerge;
  /** textLines: lines read with a lower score are dropped. */
  minScore?: number;
}

export type GatherMerge = 'items' | 'textLines';

export interface RuntimeBackendSession {
  stage: string;
  session: string;
  /** Largest batch this session runs on this backend (the plan's batch: a cap, not a target). */
  batchSize: number;
  /**
   * Videos per second one pod of this group is planned to take for this stage: the weight its
   * consumers declare to the partition assignor (docs/kafka.md "Rates as planned").
   */
  rateVps: number;
}

/** A backend group of the plan, as one pipeline sees it: the group's numbers and this pipeline's sessions on it. */
export interface RuntimeBackend {
  name: string;
  gpuProduct: string;
  replicas: number;
  /**
   * Each hosted session runs at most one batch per duty cycle, round robin (runtime/batching/
   * duty-cycle.ts); a saturated backend's cycle is its one batch, run back to back.
   */
  dutyCycleMicros: number;
  /** Planned busy share of the duty cycle (Σ ℓ(b) / duty cycle). */
  occupancy: number;
  /**
   * The plan generation these settings belong to (status.plan.generation): pods report the one
   * they run (metric vpo_plan_generation, and their consumer-group metadata).
   */
  planGeneration: number;
  /** This pipeline's sessions on the group, per replica (the group may host other pipelines' too). */
  sessions: RuntimeBackendSession[];
  /** Every pipeline the group hosts, sorted (absent: this one alone). */
  pipelines?: string[];
}

export interface RuntimeLimits {
  /** Messages a topic may hold per consumer group (queued + in flight) in the in-proc transport. */
  queueCapacity: number;
  /** Videos a join may wait on at once; beyond it the oldest is dead-lettered (JoinTimeout). */
  maxPendingJoins: number;
  /**
   * Largest stage message (JSON bytes, with every upstream output it carries) a stage may pass
   * on; a bigger one is dead-lettered as OutputTooLarge. Default DEFAULT_MAX_OUTPUT_BYTES, below
   * Kafka's default message.max.bytes (1 MiB) with room for the record's overhead.
   */
  maxOutputBytes?: number;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 1_000_000;

export interface RuntimeConfig {
  version: typeof RUNTIME_CONFIG_VERSION;
  pipeline: { namespace: string; name: string };
  topics: { source: string; output: string; deadLetter: string };
  source: RuntimeSourceConfig;
  sampling: { frames: number; width: number; height: number; mode: SamplingMode };
  latency: { sloMs: number; ingestAllowanceMs: number; hopAllowanceMs: number; latePolicy: LatePolicy };
  deadLetter: { maxRetries: number; retryBackoffMs: number };
  frameStore: { ttlSeconds: number };
  /** In topological order (every stage after its inputs). */
  stages: RuntimeStage[];
  /** Gather stages (no model): each collects the items of one stage per video. */
  gathers?: RuntimeGather[];
  backends: RuntimeBackend[];
  limits: RuntimeLimits;
}

/** Stages that read decoded frames: each holds one reference on a video's frames. */
export function frameStages(config: RuntimeConfig): RuntimeStage[] {
  return config.stages.filter((s) => s.input.source === 'frames');
}

/** Stages fed directly by ingest. */
export function entryStages(config: RuntimeConfig): RuntimeStage[] {
  return config.stages.filter((s) => s.inputs.includes('source'));
}

/** Stages that publish to the output topic. */
export function sinkStages(config: RuntimeConfig): RuntimeStage[] {
  return config.stages.filter((s) => s.downstream.length === 0);
}

/** Whether a stage's model emits a variable number of items per input (it fans out). */
export function emitsItems(stage: Pick<RuntimeStage, 'output'>): boolean {
  const kind = stage.output.decoder?.kind;
  return kind !== undefined && ITEM_DECODERS.includes(kind);
}

/** The input topic of a stage or gather, by name. */
export function topicOf(config: RuntimeConfig, name: string): string | undefined {
  return (
    config.stages.find((s) => s.name === name)?.topic ?? config.gathers?.find((g) => g.name === name)?.topic
  );
}

/** Topics whose inputs wait for other messages of their video (joins and gathers): held uncommitted. */
export function waitingTopics(config: RuntimeConfig): string[] {
  return [
    ...config.stages.filter((s) => s.inputs.length > 1).map((s) => s.topic),
    ...(config.gathers ?? []).map((g) => g.topic),
  ];
}
