// Kafka settings derived from the plan (pure): the tuning the DESIGN.md stories did by hand.
// - Partitions: every topic of a pipeline gets the same count P, at least the largest number of
//   consumers the plan may run on one stage times a headroom (default 2), so a re-plan that
//   scales out needs no re-partitioning. One count for all topics keeps a join's inputs (they all
//   publish into the join stage's one topic, keyed by videoId) and the output co-partitioned.
//   Backend pods get partitions in proportion to their planned rates (contract/partition-shares.ts),
//   so the count is raised until whole partitions give every pod its share within a few percent.
// - Producer: acks=all, idempotent; messages per send from the largest planned batch; gzip (the
//   one codec kafkajs ships) only when the planned stage messages make bytes on the wire matter.
// - Consumer: batch = the stage's planned batch; fetch bytes sized for a few batches of small
//   JSON messages; session timeout well above the slowest planned batch, so a slow batch never
//   gets the consumer kicked out of its group (which would start a rebalance storm).
import { partitionsForRates } from './partition-shares.ts';
import type { RuntimeConfig } from './runtime-config.ts';

export type Compression = 'none' | 'gzip';

export interface KafkaSettings {
  /** Partitions of every topic of the pipeline. */
  partitions: number;
  /**
   * Worst relative error, over the backend pods of any stage, between the share of partitions a
   * pod gets and its planned share of the stage's rate (rounding to whole partitions).
   */
  granularityError: number;
  producer: {
    /** Messages per produce request. */
    batchMessages: number;
    compression: Compression;
  };
  consumer: {
    sessionTimeoutMs: number;
    heartbeatIntervalMs: number;
    rebalanceTimeoutMs: number;
    maxBytesPerPartition: number;
    /** Messages a subscription holds at once (in flight + parked in a join); beyond it, pause. */
    maxInFlightMessages: number;
    /** Partition batches a consumer processes at the same time. */
    partitionsConsumedConcurrently: number;
  };
  /** Consumers a backend runs per hosted stage (the executor's consumersPerStage). */
  consumersPerStage: number;
  /** Output dedup: recent videoIds remembered, and messages per partition re-read at start. */
  outputDedup: { recentIds: number; tailPerPartition: number };
}

export interface KafkaSettingsOptions {
  /** Multiple of the planned consumers to partition for (default 2). */
  headroom?: number;
  /** Fewest partitions of any topic (default 4). */
  minPartitions?: number;
  consumersPerStage?: number;
}

/** Bytes of one stage message as JSON, a generous estimate (ids, a frame ref, score vectors). */
const messageBytesEstimate = 2048;
/**
 * Planned stage-message bytes per second above which gzip pays for its CPU. Stage messages are
 * small JSON (frames travel through the frame store), so below this the wire is idle anyway and
 * gzip only costs: each producer compresses, each consumer and the broker decompress. On the
 * sample pipeline through a broker on this 2-core machine (one client posting videos one after
 * another), kafka-vs-embedded was 0.70-0.74 with gzip and 0.76-0.89 without. 16 MiB/s is an
 * eighth of a gigabit link.
 */
const gzipAboveBytesPerS = 16 * 2 ** 20;

export function kafkaSettingsFromConfig(
  config: RuntimeConfig,
  options: KafkaSettingsOptions = {},
): KafkaSettings {
  const headroom = options.headroom ?? 2;
  const consumersPerStage = options.consumersPerStage ?? 2;
  const largestReplicas = Math.max(1, ...config.stages.map((s) => s.replicas));
  const planned = largestReplicas * consumersPerStage;
  const basePartitions = Math.max(options.minPartitions ?? 4, Math.ceil(planned * headroom), 2 * planned);
  const pods = plannedPods(config);
  const { partitions, error: granularityError } = partitionsForRates(
    pods.map((p) => p.rates),
    basePartitions,
    undefined,
    undefined,
    pods.map((p) => p.capacities),
  );
  const largestBatch = Math.max(1, ...config.stages.map((s) => s.batchSize));
  // Worst case of one batch: the largest profiled latency of any stage, twice (a request that
  // just missed a batch waits one, then runs in the next).
  const slowestBatchMs = Math.max(
    0,
    ...config.stages.flatMap((s) => s.profile.map((p) => (2 * p.latencyMicros) / 1000)),
  );
  const sessionTimeoutMs = Math.max(30_000, Math.ceil(4 * slowestBatchMs));
  // Messages the plan's backend pods consume per second, all stages together.
  const messagesPerS = config.backends.reduce(
    (sum, group) => sum + group.replicas * group.sessions.reduce((r, s) => r + s.rateVps, 0),
    0,
  );
  return {
    partitions,
    granularityError: Number(granularityError.toFixed(4)),
    producer: {
      batchMessages: Math.max(16, 4 * largestBatch),
      compression: messagesPerS * messageBytesEstimate >= gzipAboveBytesPerS ? 'gzip' : 'none',
    },
    consumer: {
      sessionTimeoutMs,
      heartbeatIntervalMs: Math.max(1000, Math.floor(sessionTimeoutMs / 10)),
      rebalanceTimeoutMs: 2 * sessionTimeoutMs,
      maxBytesPerPartition: Math.min(2 ** 20, Math.max(64 * 1024, 4 * largestBatch * messageBytesEstimate)),
      maxInFlightMessages: config.limits.maxPendingJoins + 4 * config.limits.queueCapacity,
      partitionsConsumedConcurrently: Math.max(1, Math.ceil(partitions / consumersPerStage)),
    },
    consumersPerStage,
    outputDedup: { recentIds: 100_000, tailPerPartition: 10_000 },
  };
}

/**
 * Per stage with more than one pod, the planned rate and capacity (batch per duty cycle) of every
 * backend pod hosting it: the group's session, once per replica.
 */
export function plannedPods(config: RuntimeConfig): { rates: number[]; capacities: number[] }[] {
  return config.stages
    .map((stage) => {
      const hosted = config.backends.flatMap((group) =>
        group.sessions
          .filter((s) => s.stage === stage.name && s.rateVps > 0)
          .flatMap((s) =>
            Array.from({ length: group.replicas }, () => ({
              rate: s.rateVps,
              // Half the headroom the plan left for random arrivals (a batch of b carries fewer
              // than b per cycle on average): whole partitions may take no more of it.
              capacity:
                group.dutyCycleMicros > 0
                  ? s.rateVps + ((s.batchSize * 1e6) / group.dutyCycleMicros - s.rateVps) / 2
                  : Number.POSITIVE_INFINITY,
            })),
          ),
      );
      return { rates: hosted.map((h) => h.rate), capacities: hosted.map((h) => h.capacity) };
    })
    .filter((p) => p.rates.length > 1);
}
