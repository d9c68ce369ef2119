// One session hosted by a backend: its model, input/output spec, bounded queue and the latency
// samples its batcher learns from.
import type { LatePolicy } from '../batching/choose-batch.ts';
import { fitLatency, type LatencyFit, type LatencySample, recordLatency } from '../batching/latency-fit.ts';
import type { InferenceModel } from '../inference/onnx-model.ts';
import type { ResizeMode } from '../preprocess/crop-to-tensor.ts';
import { type Frames, type InputSpec, itemDims } from '../preprocess/input-spec.ts';
import type { StageOutput } from './decode-output.ts';
import { createOutputDecoder, type OutputDecoder } from './output-decoder.ts';
import { SessionQueue } from './session-queue.ts';
import { TensorSlab } from './tensor-slab.ts';

export interface SessionConfig {
  /** The session's key in its backend: the stage name, or `<pipeline>/<stage>` in a shared group. */
  stage: string;
  /** Metric labels (default: `{stage}`): the pipeline and the stage's own name. */
  labels?: { pipeline: string; stage: string };
  model: InferenceModel;
  input: InputSpec;
  output?: { name?: string; labels?: readonly string[] };
  /** Model rows → stage output; default: a class vector with `output.labels`. */
  decoder?: OutputDecoder;
  /** Largest batch the planner allows (≤ ModelSession batching.maxBatchSize). */
  plannedBatch: number;
  /** Cap on waiting to fill a batch; default: the predicted latency of one planned batch. */
  maxQueueDelayMs?: number;
  queueCapacity: number;
  latePolicy?: LatePolicy;
  /** Profile points seeding the latency fit until measurements cover two batch sizes. */
  profile?: readonly LatencySample[];
  /** Pad each batch to the profile's ℓ(b) (device-emulation.ts; a test and benchmark knob). */
  emulateDeviceLatency?: boolean;
}

export interface BackendItem {
  id: string;
  /** Deadline, epoch ms on the runtime clock (runtime/clock.ts). */
  deadlineMs: number;
  /** input.source = frames: the video's frames, or an item's region cut from them (one frame). */
  frames?: Frames;
  /** The frames are an item's region: fitted into the input this way (preprocess/crop-to-tensor.ts). */
  resize?: ResizeMode;
  /** input.source = stages: upstream score vectors in the stage's input order. */
  scores?: readonly (readonly number[])[];
}

export interface QueueEntry {
  item: BackendItem;
  deadlineMs: number;
  enqueuedAtMs: number;
  tensor: Promise<Float32Array>;
  resolve(output: StageOutput): void;
  reject(err: Error): void;
}

const MAX_LATENCY_SAMPLES = 64;

/** The settings a re-plan changes while the session runs (runtime/plan/). */
export type SessionSettings = Pick<
  SessionConfig,
  'plannedBatch' | 'maxQueueDelayMs' | 'queueCapacity' | 'latePolicy'
>;

export class HostedSession {
  #config: SessionConfig;
  readonly queue: SessionQueue<QueueEntry>;
  readonly inputName: string;
  readonly outputName: string;
  readonly decoder: OutputDecoder;
  /**
   * Shared memory the preprocessing workers write frame items into (tensor-slab.ts): room for a
   * full queue, the running batch and the ring's slack; absent for score inputs.
   */
  readonly slab: TensorSlab | undefined;
  /** Where a batch whose items are not side by side in the slab is assembled (reused). */
  readonly scratch: { data?: Float32Array } = {};
  #samples: LatencySample[] = [];

  constructor(config: SessionConfig) {
    this.#config = config;
    this.queue = new SessionQueue(config.stage, config.queueCapacity);
    const input = config.input.name ?? config.model.inputs[0]?.name;
    const output = config.output?.name ?? config.model.outputs[0]?.name;
    if (!input || !output)
      throw new Error(`stage '${config.stage}': model ${config.model.path} has no inputs or outputs`);
    if (!config.model.inputs.some((i) => i.name === input)) {
      throw new Error(`stage '${config.stage}': model has no input '${input}'`);
    }
    if (!config.model.outputs.some((o) => o.name === output)) {
      throw new Error(`stage '${config.stage}': model has no output '${output}'`);
    }
    this.inputName = input;
    this.outputName = output;
    this.decoder =
      config.decoder ??
      createOutputDecoder(undefined, config.output?.labels ? { labels: config.output.labels } : {});
    const spec = config.input;
    this.slab =
      spec.source === 'frames'
        ? TensorSlab.create(
            itemDims(spec).reduce((a, b) => a * b, 1),
            2 * (config.queueCapacity + config.plannedBatch),
          )
        : undefined;
  }

  get config(): SessionConfig {
    return this.#config;
  }

  /** Takes a re-plan's settings; the next batch decision uses them. */
  retune(settings: SessionSettings): void {
    const { maxQueueDelayMs, ...rest } = settings;
    const { maxQueueDelayMs: _old, ...kept } = this.#config;
    this.#config = { ...kept, ...rest, ...(maxQueueDelayMs !== undefined ? { maxQueueDelayMs } : {}) };
    this.queue.resize(settings.queueCapacity);
  }

  record(sample: LatencySample): void {
    this.#samples = recordLatency(this.#samples, sample, MAX_LATENCY_SAMPLES);
  }

  latencyFit(): LatencyFit {
    const measuredSizes = new Set(this.#samples.map((s) => s.batchSize));
    const seed = measuredSizes.size >= 2 ? [] : (this.config.profile ?? []);
    return fitLatency([...seed, ...this.#samples]);
  }
}
