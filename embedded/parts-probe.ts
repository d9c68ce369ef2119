// The parts of an embedded run, each measured alone on this machine before the run starts, so
// that the prediction (prediction.ts predictFromParts) composes measured costs instead of the
// plan's device capacities, which say nothing about the CPU one process shares between decoding,
// preprocessing, inference and its own plumbing:
// - ingest: the pipeline's ingestor on one clip, `ingests` at once (what the executor keeps in
//   flight);
// - each stage: its real stage worker (frame store read, preprocess, inference on the loaded
//   model) on `items` items one after another, fed the ingested frames and its upstream stages'
//   outputs. One at a time is batch 1, the dearest per item, so the prediction errs low where
//   the run forms batches. (Probing four at a time, an ingest chunk, predicted 1.5× the sample's
//   measured rate: parts measured alone miss that together they contend for the cores.)
// - plumbing: the executor on the in-process transport with every worker answering at once
//   (no decode, no model): what moving a video through the DAG costs by itself.
// Each part runs once to warm up (JIT, worker threads, the models' first run), then three times
// measured, keeping the median: the process's CPU time (every thread), and the main thread's
// share of it (the event loop's active time), which one core bounds whatever the others do. About
// a second at start-up on the sample.
import type { RuntimeConfig } from '../contract/runtime-config.ts';
import { systemClock } from '../runtime/clock.ts';
import { startExecutor } from '../runtime/executor/executor.ts';
import type { StageWorker, VideoIngestor } from '../runtime/executor/ports.ts';
import type { FrameStore } from '../runtime/framestore/framestore.ts';
import { silentLogger } from '../runtime/logger.ts';
import { createRuntimeMetrics } from '../runtime/metrics.ts';
import { InProcTransport } from '../runtime/transport/inproc.ts';
import type { StageMessage } from '../runtime/transport/transport.ts';
import type { PartCost, PartsProbe } from './prediction.ts';

export interface PartsProbeInput {
  config: RuntimeConfig;
  ingestor: VideoIngestor;
  workers: Record<string, StageWorker>;
  frameStore: FrameStore;
  /** A clip to ingest (file:// URI). */
  uri: string;
  /** Ingests at once (the run's decode slots × 2: what the executor keeps in flight). */
  ingests: number;
  /** Items per stage. */
  items: number;
}

const farDeadlineMs = 10 * 60_000;

async function measured<T>(run: () => Promise<T>, count: number): Promise<{ value: T; cost: PartCost }> {
  const cpuBefore = process.cpuUsage();
  const loopBefore = performance.eventLoopUtilization();
  const value = await run();
  const loop = performance.eventLoopUtilization(loopBefore);
  const cpu = process.cpuUsage(cpuBefore);
  return { value, cost: { cpuMs: (cpu.user + cpu.system) / 1000 / count, mainMs: loop.active / count } };
}

/** Pipelines the probe can feed: whole frames or upstream scores (no fan-out items, no gathers). */
export function probeable(config: RuntimeConfig): boolean {
  return (config.gathers ?? []).length === 0;
}

async function probeOnce(input: PartsProbeInput, round: number): Promise<PartsProbe> {
  const { config, frameStore } = input;
  const ingest = await measured(
    () =>
      Promise.all(
        Array.from({ length: input.ingests }, (_, i) =>
          input.ingestor.ingest({ videoId: `probe-${round}-${i}`, uri: input.uri }),
        ),
      ),
    input.ingests,
  );
  const ingested = ingest.value;
  // Every item reads one of the ingested videos' frames; the ingest's own holds go at the end.
  const messages: StageMessage[] = Array.from({ length: input.items }, (_, i) => {
    const { frameRef, meta } = ingested[i % ingested.length]!;
    return {
      videoId: `probe-${round}-${i}`,
      source: input.uri,
      frameRef,
      meta,
      ingestedAtMs: 0,
      outputs: {},
    };
  });
  const stages: Record<string, PartCost> = {};
  try {
    for (const stage of config.stages) {
      const worker = input.workers[stage.name];
      if (!worker) throw new Error(`no worker for stage ${stage.name}`);
      const deadlineMs = Date.now() + farDeadlineMs;
      const run = await measured(async () => {
        const outputs: unknown[] = [];
        for (const m of messages) outputs.push(await worker.process(m, deadlineMs));
        return outputs;
      }, messages.length);
      run.value.forEach((output, i) => {
        messages[i]!.outputs[stage.name] = output;
      });
      stages[stage.name] = run.cost;
    }
  } finally {
    for (const { frameRef } of ingested) await frameStore.release(frameRef);
  }
  const plumbing = await probePlumbing(config, messages[0]!, input.items);
  return { ingest: ingest.cost, stages, plumbing };
}

/** The executor moving `videos` through the DAG with answering workers and no frames. */
async function probePlumbing(config: RuntimeConfig, sample: StageMessage, videos: number): Promise<PartCost> {
  const transport = new InProcTransport({ capacityPerTopic: config.limits.queueCapacity });
  let done = 0;
  let finished = () => {};
  const allDone = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const count = async (messages: unknown[]) => {
    done += messages.length;
    if (done >= videos) finished();
  };
  await transport.subscribe(config.topics.output, 'results', count, {
    maxBatch: config.limits.queueCapacity,
  });
  transport.subscribeDeadLetters(count);
  const ingestor: VideoIngestor = { ingest: async () => ({ frameRef: 'probe', meta: sample.meta ?? {} }) };
  const workers = Object.fromEntries(
    config.stages.map((s): [string, StageWorker] => [
      s.name,
      { process: async () => sample.outputs[s.name] },
    ]),
  );
  const noHolds = { retain: async () => {}, release: async () => {} };
  // Metrics of its own, so the probe's videos never count in the run's.
  const ctx = {
    config,
    transport,
    frames: noHolds,
    clock: systemClock,
    logger: silentLogger,
    metrics: createRuntimeMetrics(),
  };
  const executor = await startExecutor(ctx, { ingestor, workers });
  try {
    const run = await measured(async () => {
      for (let i = 0; i < videos; i++) {
        await transport.publish(config.topics.source, [
          { videoId: `plumbing-${i}`, source: sample.source, ingestedAtMs: Date.now(), outputs: {} },
        ]);
      }
      await allDone;
    }, videos);
    return run.cost;
  } finally {
    await executor.stop();
    await transport.close();
  }
}

const measuredRounds = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

function medianCost(costs: PartCost[]): PartCost {
  return { cpuMs: median(costs.map((c) => c.cpuMs)), mainMs: median(costs.map((c) => c.mainMs)) };
}

/** Measures every part: a warm-up round, then the median of three measured ones per part. */
export async function probeParts(input: PartsProbeInput): Promise<PartsProbe> {
  await probeOnce(input, 0);
  const rounds: PartsProbe[] = [];
  for (let r = 1; r <= measuredRounds; r++) rounds.push(await probeOnce(input, r));
  return {
    ingest: medianCost(rounds.map((r) => r.ingest)),
    stages: Object.fromEntries(
      input.config.stages.map((s) => [s.name, medianCost(rounds.map((r) => r.stages[s.name]!))]),
    ),
    plumbing: medianCost(rounds.map((r) => r.plumbing)),
  };
}
