// `npm run bench -- kafka-vs-embedded [REPEAT] [ROUNDS]`: the sample pipeline's throughput through a real
// broker, with ingest and backends as separate `vpo runtime` processes, divided by the same
// pipeline embedded in one process (`vpo run`'s code path), side by side in one run; p99 latency
// (submit → result) printed each way. Target ≥ 0.85. Uses KAFKA_BOOTSTRAP or starts a broker.
// Both sides run the same runtime config (the local plan with the embedded mode's saturated batch
// caps): a flooded Kafka side held to the planned batch of 1 measured batching, not transport.
// Both sides are offered the videos by 16 concurrent submitters (a single client awaiting each
// POST measured its round trip, ~100-140 videos/s here, not the pipeline). Latency differs in
// kind: the embedded submit waits while its source queue is full, POST /v1/videos returns once
// the video is in the source topic (which holds the backlog), so Kafka's p99 includes the wait in
// the source topic.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { kafkaSettingsFromConfig } from '../contract/kafka-settings.ts';
import type { RuntimeConfig } from '../contract/runtime-config.ts';
import { startKafka } from '../e2e/env/kafka/broker.ts';
import { startEmbeddedPipeline } from '../embedded/pipeline.ts';
import { startTopicReader } from '../kafka/topic-reader.ts';
import { systemClock } from '../runtime/clock.ts';
import { createRuntimeMetrics } from '../runtime/metrics.ts';
import {
  percentile,
  repoRoot,
  sampleDir,
  sampleLocalPlan,
  startRoles,
  submitVideo,
  writeSampleRuntimeFile,
} from '../scripts/kafka-pipeline.ts';
import type { BenchFigure } from './run.ts';

interface Measured {
  videosPerSecond: number;
  p99Ms: number;
  done: number;
}

/**
 * Videos submitted at once, each side: uploads come from many clients, and one client awaiting
 * each POST would measure its round trip (acks=all produce included), not the pipeline.
 */
const SUBMITTERS = 16;

/** Submits every video (SUBMITTERS at a time), waits for a result or dead letter of each. */
async function measure(
  videos: { id: string; uri: string }[],
  submit: (v: { id: string; uri: string }) => Promise<void>,
  finished: Map<string, number>,
  timeoutMs: number,
): Promise<Measured> {
  const sentAt = new Map<string, number>();
  const start = performance.now();
  let next = 0;
  const submitter = async () => {
    while (next < videos.length) {
      const v = videos[next++]!;
      sentAt.set(v.id, performance.now());
      await submit(v);
    }
  };
  await Promise.all(Array.from({ length: SUBMITTERS }, submitter));
  const deadline = Date.now() + timeoutMs;
  while (videos.some((v) => !finished.has(v.id)) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  const done = videos.filter((v) => finished.has(v.id));
  const latencies = done.map((v) => finished.get(v.id)! - sentAt.get(v.id)!);
  // Throughput between the first and the last result: the pipeline's rate once full, not the
  // latency of filling it (the first result) that a short round would fold into it.
  const times = done.map((v) => finished.get(v.id)!);
  const spanS = (Math.max(...times) - Math.min(...times)) / 1000;
  return {
    videosPerSecond:
      spanS > 0 ? (done.length - 1) / spanS : done.length / ((performance.now() - start) / 1000),
    p99Ms: Math.round(percentile(latencies, 99)),
    done: latencies.length,
  };
}

async function sampleVideos(repeat: number, tag: string) {
  const dir = path.join(repoRoot, 'samples/videos');
  const files = (await readdir(dir)).filter((f) => /\.(mp4|webm)$/.test(f)).sort();
  return Array.from({ length: repeat }, (_, r) =>
    files.map((f) => ({ id: `${tag}-${r}-${f}`, uri: pathToFileURL(path.join(dir, f)).href })),
  ).flat();
}

const quiet = { info: () => {}, warn: () => {}, error: (m: string) => process.stderr.write(`${m}\n`) };

/** A pipeline kept running between rounds, as pods are: each round submits the videos once. */
interface Side {
  round(repeat: number, tag: string): Promise<Measured>;
  close(): Promise<void>;
}

async function startEmbedded(): Promise<Side> {
  const { local } = await sampleLocalPlan(`bench-embedded`);
  const finished = new Map<string, number>();
  const mark = (ids: string[]) => {
    for (const id of ids) if (!finished.has(id)) finished.set(id, performance.now());
  };
  // The same local sources as the Kafka side (scripts/kafka-pipeline.ts): file:// under the samples.
  const source = {
    ...local.config.source,
    fileRoots: [path.join(repoRoot, 'samples/videos')],
    allowedUriSchemes: [...new Set([...local.config.source.allowedUriSchemes, 'file'])],
  };
  const embedded = await startEmbeddedPipeline({
    config: { ...local.config, source },
    modelRoot: sampleDir,
    devices: Math.max(1, os.availableParallelism()),
    clock: systemClock,
    logger: quiet,
    metrics: createRuntimeMetrics(),
    onResults: async (ms) => mark(ms.map((m) => m.videoId)),
    onDeadLetters: async (ls) => {
      // A dead letter is no throughput: say so rather than time it as a result.
      for (const l of ls) process.stderr.write(`embedded dead letter ${l.videoId}: ${l.reason}\n`);
      mark(ls.map((l) => l.videoId));
    },
  });
  return {
    async round(repeat, tag) {
      const videos = await sampleVideos(repeat, `embedded-${tag}`);
      return measure(videos, (v) => embedded.submit({ videoId: v.id, uri: v.uri }), finished, 600_000);
    },
    close: () => embedded.close(),
  };
}

/** `runtime` with the batch caps and duty cycles of `like` (the same pipeline and plan). */
function sameBatches(runtime: RuntimeConfig, like: RuntimeConfig): RuntimeConfig {
  const stage = new Map(like.stages.map((s) => [s.name, s]));
  const group = new Map(like.backends.map((g) => [g.name, g]));
  return {
    ...runtime,
    stages: runtime.stages.map((s) => ({ ...s, batchSize: stage.get(s.name)?.batchSize ?? s.batchSize })),
    backends: runtime.backends.map((g) => {
      const same = group.get(g.name);
      if (!same) return g;
      const batch = new Map(same.sessions.map((h) => [h.stage, h.batchSize]));
      return {
        ...g,
        dutyCycleMicros: same.dutyCycleMicros,
        sessions: g.sessions.map((h) => ({ ...h, batchSize: batch.get(h.stage) ?? h.batchSize })),
      };
    }),
  };
}

async function startKafkaSide(bootstrap: string): Promise<Side> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'vpo-bench-kafka-'));
  const namespace = `bench-${path.basename(workDir).slice(-6).toLowerCase()}`;
  const written = await writeSampleRuntimeFile(bootstrap, workDir, namespace);
  const { file, filePath } = written;
  // The runtime the embedded side runs (the local plan's batch caps raised to the saturated batch,
  // no duty cycles: both sides are flooded), so the two differ only by the transport.
  file.runtime = sameBatches(file.runtime, written.local.config);
  file.kafka.settings = kafkaSettingsFromConfig(file.runtime);
  await writeFile(filePath, `${JSON.stringify(file, null, 2)}\n`);
  const roles = await startRoles(file, filePath, () => {});
  const finished = new Map<string, number>();
  const connection = { brokers: [bootstrap], clientId: 'vpo-bench' };
  const mark = (value: unknown) => {
    const id = (value as { videoId?: string }).videoId;
    if (id && !finished.has(id)) finished.set(id, performance.now());
  };
  const readers = [
    await startTopicReader(connection, file.runtime.topics.output, mark),
    await startTopicReader(connection, file.runtime.topics.deadLetter, (value) => {
      const letter = value as { videoId?: string; reason?: string };
      process.stderr.write(`kafka dead letter ${letter.videoId}: ${letter.reason}\n`);
      mark(value);
    }),
  ];
  // Let the consumer groups settle before timing (the embedded mode has no such start-up).
  await new Promise((r) => setTimeout(r, 3000));
  return {
    async round(repeat, tag) {
      const videos = await sampleVideos(repeat, `kafka-${tag}`);
      return measure(videos, (v) => submitVideo(roles.ingest.apiUrl!, v.id, v.uri), finished, 600_000);
    },
    async close() {
      for (const r of readers) await r.close();
      await roles.stop();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

/** Rounds pooled: videos over summed seconds, the worst p99. */
function pool(rounds: Measured[]): Measured {
  const done = rounds.reduce((n, r) => n + r.done, 0);
  const seconds = rounds.reduce((s, r) => s + (r.done - 1) / r.videosPerSecond, 0);
  return {
    videosPerSecond: (done - rounds.length) / seconds,
    p99Ms: Math.max(...rounds.map((r) => r.p99Ms)),
    done,
  };
}

export async function run(args: string[]): Promise<BenchFigure[]> {
  // 16 × the 16 sample clips: a round of a few seconds, so draining the pipeline at its end
  // (about one p99) is a small part of it.
  const repeat = Number(args[0] ?? 16);
  // Rounds alternate embedded and Kafka, so load from other work on the machine hits both alike.
  const rounds = Number(args[1] ?? 2);
  const broker = process.env.KAFKA_BOOTSTRAP ? undefined : await startKafka({ ownerPid: process.pid });
  const bootstrap = process.env.KAFKA_BOOTSTRAP ?? broker!.bootstrap;
  try {
    // Both sides run as they would serve: started once, warmed by one untimed round (the JIT of
    // the broker and of every process, onnxruntime's first runs), then timed rounds alternate on
    // the running pipelines, so load from other work on the machine hits both alike.
    const embeddedSide = await startEmbedded();
    const kafkaSide = await startKafkaSide(bootstrap);
    const embeddedRounds: Measured[] = [];
    const kafkaRounds: Measured[] = [];
    try {
      await embeddedSide.round(repeat, 'warm');
      await kafkaSide.round(repeat, 'warm');
      for (let r = 0; r < rounds; r++) {
        embeddedRounds.push(await embeddedSide.round(repeat, String(r)));
        kafkaRounds.push(await kafkaSide.round(repeat, String(r)));
      }
    } finally {
      await kafkaSide.close();
      await embeddedSide.close();
    }
    const embedded = pool(embeddedRounds);
    const kafka = pool(kafkaRounds);
    process.stdout.write(
      `kafka-vs-embedded: kafka ${kafka.videosPerSecond.toFixed(2)} videos/s (p99 ${kafka.p99Ms} ms, ${kafka.done} videos), ` +
        `embedded ${embedded.videosPerSecond.toFixed(2)} videos/s (p99 ${embedded.p99Ms} ms, ${embedded.done} videos), ` +
        `ratio ${(kafka.videosPerSecond / embedded.videosPerSecond).toFixed(3)} (target >= 0.85)\n`,
    );
    return [
      {
        name: 'kafka-vs-embedded',
        value: kafka.videosPerSecond / embedded.videosPerSecond,
        unit: 'ratio',
        target: '>= 0.85',
        kafkaVideosPerSecond: kafka.videosPerSecond,
        embeddedVideosPerSecond: embedded.videosPerSecond,
        kafkaP99Ms: kafka.p99Ms,
        embeddedP99Ms: embedded.p99Ms,
        videos: kafka.done,
      },
    ];
  } finally {
    await broker?.stop();
  }
}
