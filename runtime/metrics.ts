// Runtime metrics (prom-client). One registry per process, created by the role's entry point and
// passed to the parts that record into it: no module-level singletons. Per-stage series carry the
// pipeline too: a backend of a shared group hosts stages of several pipelines of its namespace.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface RuntimeMetrics {
  registry: Registry;
  /** Items per executed batch, by stage. */
  batchSize: Histogram<'pipeline' | 'stage'>;
  /** Time a request waited in a backend queue before its batch started, seconds. */
  queueDelaySeconds: Histogram<'pipeline' | 'stage'>;
  /** Wall time of one inference batch, seconds. */
  inferenceSeconds: Histogram<'pipeline' | 'stage'>;
  /** Download + decode + store of one video, seconds. */
  decodeSeconds: Histogram<never>;
  /**
   * CPU time of the decode itself (the decode thread's, one per video), seconds, by codec and
   * resolution class: the observed counterpart of the pipeline's ingestProfile.
   */
  decodeCpuSeconds: Histogram<'codec' | 'resolution' | 'mode'>;
  /** Items completed, by stage. */
  processedTotal: Counter<'pipeline' | 'stage'>;
  deadlineMissesTotal: Counter<'pipeline' | 'stage'>;
  deadLettersTotal: Counter<'pipeline' | 'stage' | 'reason'>;
  frameStoreBytes: Gauge<never>;
  queueDepth: Gauge<'pipeline' | 'stage'>;
  /** Items a fan-out stage emitted per input video (its mean is the observed fanOut), by stage. */
  itemsPerInput: Histogram<'pipeline' | 'stage'>;
  /** Σ planned batch cap over executed batches: rate(vpo_batch_size_sum) / its rate = batch fill. */
  batchCapacityTotal: Counter<'pipeline' | 'stage'>;
  /** Device time spent in batches, seconds: its rate is the backend's duty utilisation. */
  backendBusySeconds: Counter<'backend'>;
  /** The duty cycle the backend runs now, seconds (0: none planned). */
  dutyCycleSeconds: Gauge<'backend'>;
  /** The plan's occupancy for this backend (Σ ℓ(b) / duty cycle): what utilisation should be. */
  plannedOccupancy: Gauge<'backend'>;
  /** The plan generation this process runs (status.plan.generation). */
  planGeneration: Gauge<'pipeline' | 'backend'>;
  /** Re-read runtime files: applied live, or not (needs a new pod, or invalid). */
  planReloadsTotal: Counter<'result'>;
  /** Videos whose result reached the output topic, by whether they met latencySLO.p99Ms. */
  videosCompletedTotal: Counter<'pipeline' | 'slo'>;
  /** Ingest to result on the output topic, seconds. */
  endToEndSeconds: Histogram<'pipeline'>;
}

export function createRuntimeMetrics(registry: Registry = new Registry()): RuntimeMetrics {
  const registers = [registry];
  const secondsBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
  return {
    registry,
    batchSize: new Histogram({
      name: 'vpo_batch_size',
      help: 'Items per executed batch',
      labelNames: ['pipeline', 'stage'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers,
    }),
    queueDelaySeconds: new Histogram({
      name: 'vpo_queue_delay_seconds',
      help: 'Time a request waited in a backend queue before its batch started',
      labelNames: ['pipeline', 'stage'],
      buckets: secondsBuckets,
      registers,
    }),
    inferenceSeconds: new Histogram({
      name: 'vpo_inference_seconds',
      help: 'Wall time of one inference batch',
      labelNames: ['pipeline', 'stage'],
      buckets: secondsBuckets,
      registers,
    }),
    decodeSeconds: new Histogram({
      name: 'vpo_decode_seconds',
      help: 'Download, decode and store of one video',
      buckets: secondsBuckets,
      registers,
    }),
    decodeCpuSeconds: new Histogram({
      name: 'vpo_decode_cpu_seconds',
      help: 'CPU time of decoding and sampling one video (one decode thread), by codec and resolution class',
      labelNames: ['codec', 'resolution', 'mode'],
      buckets: secondsBuckets,
      registers,
    }),
    processedTotal: new Counter({
      name: 'vpo_processed_total',
      help: 'Items completed by a stage',
      labelNames: ['pipeline', 'stage'],
      registers,
    }),
    deadlineMissesTotal: new Counter({
      name: 'vpo_deadline_misses_total',
      help: 'Items that finished after their deadline',
      labelNames: ['pipeline', 'stage'],
      registers,
    }),
    deadLettersTotal: new Counter({
      name: 'vpo_dead_letters_total',
      help: 'Records sent to the dead-letter channel',
      labelNames: ['pipeline', 'stage', 'reason'],
      registers,
    }),
    frameStoreBytes: new Gauge({
      name: 'vpo_frame_store_bytes',
      help: 'Bytes held by the frame store',
      registers,
    }),
    queueDepth: new Gauge({
      name: 'vpo_queue_depth',
      help: 'Requests waiting in a backend queue',
      labelNames: ['pipeline', 'stage'],
      registers,
    }),
    itemsPerInput: new Histogram({
      name: 'vpo_items_per_input',
      help: 'Items a fan-out stage emitted per input video (the mean is the observed fanOut)',
      labelNames: ['pipeline', 'stage'],
      buckets: [0, 1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    }),
    batchCapacityTotal: new Counter({
      name: 'vpo_batch_capacity_total',
      help: 'Planned batch cap summed over executed batches (batch fill = vpo_batch_size_sum / this)',
      labelNames: ['pipeline', 'stage'],
      registers,
    }),
    backendBusySeconds: new Counter({
      name: 'vpo_backend_busy_seconds_total',
      help: 'Device time spent running batches (its rate is the duty utilisation)',
      labelNames: ['backend'],
      registers,
    }),
    dutyCycleSeconds: new Gauge({
      name: 'vpo_backend_duty_cycle_seconds',
      help: 'The duty cycle the backend runs now (0: none planned)',
      labelNames: ['backend'],
      registers,
    }),
    plannedOccupancy: new Gauge({
      name: 'vpo_backend_planned_occupancy',
      help: 'The planned share of the duty cycle the backend is busy',
      labelNames: ['backend'],
      registers,
    }),
    planGeneration: new Gauge({
      name: 'vpo_plan_generation',
      help: 'The plan generation (status.plan.generation) this process runs',
      labelNames: ['pipeline', 'backend'],
      registers,
    }),
    planReloadsTotal: new Counter({
      name: 'vpo_plan_reloads_total',
      help: 'Runtime files re-read: applied live, restart (needs a new pod) or invalid',
      labelNames: ['result'],
      registers,
    }),
    videosCompletedTotal: new Counter({
      name: 'vpo_videos_completed_total',
      help: 'Videos whose result reached the output topic, by whether they met the latency SLO',
      labelNames: ['pipeline', 'slo'],
      registers,
    }),
    endToEndSeconds: new Histogram({
      name: 'vpo_end_to_end_seconds',
      help: 'Ingest to result on the output topic',
      labelNames: ['pipeline'],
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 300, 600],
      registers,
    }),
  };
}
