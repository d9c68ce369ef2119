// The DAG executor: subscribes the ingest step to the source topic and every stage to its own
// topic, so independent stages (e.g. parallel branches) run at the same time, each at its own
// pace, decoupled by bounded topics. The same code runs in one process (in-proc transport) or
// split across roles (Kafka): `roles` picks which parts this process runs.
import type { Subscription } from '../transport/transport.ts';
import type { ExecutorContext } from './context.ts';
import { GatherRunner } from './gather-runner.ts';
import { INGEST_STAGE, ingestHandler } from './ingest-runner.ts';
import { JoinBuffer } from './join.ts';
import type { StageWorker, VideoIngestor } from './ports.ts';
import { StageRunner } from './stage-runner.ts';

/** Source consumers per ingest process (see startExecutor). */
export const INGEST_CONSUMERS = 2;

export interface ExecutorParts {
  /** Present when this process ingests (role `ingest`, or embedded). */
  ingestor?: VideoIngestor;
  /** Workers for the stages this process runs, by stage name. */
  workers: Record<string, StageWorker>;
  /** Gather stages this process runs (they need no worker: no model). */
  gathers?: string[];
  /** Consumers per stage topic: more keep a backend's queue fed while a batch is published. */
  consumersPerStage?: number;
  /** Consumer-group prefix (Kafka group ids). */
  group?: string;
}

export interface RunningExecutor {
  /**
   * A re-plan's config with the same stages and wiring: deadlines, budgets and batch sizes take
   * effect for the next message (ctx.config is replaced; each stage runner is retuned). Gathers
   * are structure (their timeouts come from the spec): a change to them restarts the pod.
   */
  retune(config: ExecutorContext['config']): void;
  /** Dead-letters joins and gathers that waited past their timeout; call it periodically. */
  expireJoins(nowMs: number): Promise<void>;
  /** Stops consuming; in-flight batches finish first. */
  stop(): Promise<void>;
}

export async function startExecutor(ctx: ExecutorContext, parts: ExecutorParts): Promise<RunningExecutor> {
  const group = parts.group ?? `vpo.${ctx.config.pipeline.namespace}.${ctx.config.pipeline.name}`;
  const subscriptions: Subscription[] = [];
  const runners: StageRunner[] = [];
  const gatherers: GatherRunner[] = [];
  if (parts.ingestor) {
    const handler = ingestHandler(ctx, parts.ingestor);
    const maxBatch = ctx.config.source.downloadConcurrency;
    // Two consumers, each a chunk of downloadConcurrency videos at a time: while one chunk's last
    // videos decode and publish, the other's fetch and wait at the ingestor's decode limiter, so
    // the decode slots (min(downloadConcurrency, cores)) never wait on the main thread.
    for (let i = 0; i < INGEST_CONSUMERS; i++) {
      subscriptions.push(
        await ctx.transport.subscribe(ctx.config.topics.source, `${group}.${INGEST_STAGE}`, handler, {
          maxBatch,
        }),
      );
    }
  }
  for (const stage of ctx.config.stages) {
    const worker = parts.workers[stage.name];
    if (!worker) continue;
    const join =
      stage.inputs.length > 1 ? new JoinBuffer(stage.inputs, ctx.config.limits.maxPendingJoins) : undefined;
    const runner = new StageRunner(ctx, stage, worker, join);
    runners.push(runner);
    // Consumers of one stage share its runner (and a join's state); across processes a join
    // relies on co-partitioned topics so one consumer sees all inputs of a video.
    for (let i = 0; i < (parts.consumersPerStage ?? 2); i++) {
      const options = { maxBatch: Math.max(1, stage.batchSize) };
      subscriptions.push(
        await ctx.transport.subscribe(stage.topic, `${group}.${stage.name}`, runner.handler, options),
      );
    }
  }
  for (const gather of ctx.config.gathers ?? []) {
    if (!parts.gathers?.includes(gather.name)) continue;
    const runner = new GatherRunner(ctx, gather);
    gatherers.push(runner);
    const options = { maxBatch: Math.max(1, ctx.config.limits.queueCapacity) };
    for (let i = 0; i < (parts.consumersPerStage ?? 2); i++) {
      subscriptions.push(
        await ctx.transport.subscribe(gather.topic, `${group}.${gather.name}`, runner.handler, options),
      );
    }
  }
  return {
    retune(config) {
      ctx.config = config;
      for (const runner of runners) {
        const stage = config.stages.find((s) => s.name === runner.name);
        if (stage) runner.retune(stage);
      }
    },
    async expireJoins(nowMs) {
      for (const runner of runners) await runner.expireJoins(nowMs);
      for (const runner of gatherers) await runner.expire(nowMs);
    },
    async stop() {
      await Promise.all(subscriptions.map((s) => s.close()));
    },
  };
}
