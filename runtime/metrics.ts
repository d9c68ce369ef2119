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
  };
}
