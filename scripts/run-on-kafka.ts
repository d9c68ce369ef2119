// `npm run kafka:demo [-- --videos DIR] [--repeat N]`: the sample pipeline on Kafka, locally.
// Uses the broker at KAFKA_BOOTSTRAP, or starts one (Kafka from Maven Central, cached); renders
// the runtime file, starts `vpo runtime --role ingest` and one `--role backend` process per
// planned backend group, posts the sample videos to the ingest's POST /v1/videos, and prints
// one row per video from the output and dead-letter topics, then a summary.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startKafka } from '../e2e/env/kafka/broker.ts';
import { startTopicReader } from '../kafka/topic-reader.ts';
import type { DeadLetter, StageMessage } from '../runtime/transport/transport.ts';
import { percentile, repoRoot, startRoles, submitVideo, writeSampleRuntimeFile } from './kafka-pipeline.ts';

const { values } = parseArgs({
  options: {
    videos: { type: 'string', default: path.join(repoRoot, 'samples/videos') },
    repeat: { type: 'string', default: '1' },
    'timeout-seconds': { type: 'string', default: '300' },
  },
});
const videoDir = values.videos;
const files = readdirSync(videoDir)
  .filter((f) => /\.(mp4|webm)$/.test(f))
  .sort();
if (files.length === 0) {
  process.stderr.write(`no videos in ${videoDir}: run \`npm run prepare-samples\`\n`);
  process.exit(1);
}
const expected = new Map<string, string>();
try {
  const list = JSON.parse(readFileSync(path.join(videoDir, 'expected.json'), 'utf8')) as {
    file: string;
    label: string;
  }[];
  for (const e of list) expected.set(e.file, e.label);
} catch {}

const log = (line: string) => process.stderr.write(`${line}\n`);
const broker = process.env.KAFKA_BOOTSTRAP ? undefined : await startKafka({ ownerPid: process.pid });
const bootstrap = process.env.KAFKA_BOOTSTRAP ?? broker!.bootstrap;
log(`kafka: ${bootstrap}${broker ? ' (started for this run)' : ''}`);
const workDir = await mkdtemp(path.join(os.tmpdir(), 'vpo-kafka-demo-'));
const namespace = `demo-${path.basename(workDir).slice(-6).toLowerCase()}`;
const { file, filePath } = await writeSampleRuntimeFile(bootstrap, workDir, namespace, [videoDir, workDir]);
log(`runtime file: ${filePath}`);
const roles = await startRoles(file, filePath, log);
log(`ingest: ${roles.ingest.url}; backends: ${roles.backends.length}`);

const submittedAt = new Map<string, { file: string; atMs: number }>();
const done = new Map<string, { row: string; latencyMs: number; ok: boolean }>();
const connection = { brokers: [bootstrap], clientId: 'vpo-kafka-demo' };
let wake = () => {};
const record = (videoId: string, row: string, ok: boolean) => {
  const sent = submittedAt.get(videoId);
  if (!sent || done.has(videoId)) return;
  const latencyMs = Date.now() - sent.atMs;
  done.set(videoId, { row, latencyMs, ok });
  process.stdout.write(`${videoId.padEnd(34)} ${row.padEnd(40)} ${String(latencyMs).padStart(6)} ms\n`);
  wake();
};
const results = await startTopicReader(connection, file.runtime.topics.output, (value) => {
  const m = value as StageMessage;
  const label = (m.outputs?.fusion as { label?: string } | undefined)?.label ?? JSON.stringify(m.outputs);
  const want = expected.get(submittedAt.get(m.videoId)?.file ?? '');
  record(
    m.videoId,
    `${label}${want ? (want === label ? '  (expected)' : `  (expected ${want})`) : ''}`,
    true,
  );
});
const letters = await startTopicReader(connection, file.runtime.topics.deadLetter, (value) => {
  const l = value as DeadLetter;
  record(l.videoId, `dead ${l.stage}/${l.reason}`, false);
});

process.stdout.write(`${'VIDEO'.padEnd(34)} ${'RESULT'.padEnd(40)} LATENCY\n`);
const startMs = Date.now();
for (let r = 0; r < Number(values.repeat); r++) {
  for (const f of files) {
    const videoId = `${path.basename(f).replace(/[^A-Za-z0-9._-]/g, '_')}${r > 0 ? `-${r}` : ''}`;
    submittedAt.set(videoId, { file: f, atMs: Date.now() });
    await submitVideo(roles.ingest.apiUrl!, videoId, pathToFileURL(path.join(videoDir, f)).href);
  }
}
const deadline = Date.now() + Number(values['timeout-seconds']) * 1000;
while (done.size < submittedAt.size && Date.now() < deadline) {
  await new Promise<void>((resolve) => {
    wake = resolve;
    setTimeout(resolve, 1000);
  });
}
const elapsedS = (Date.now() - startMs) / 1000;
const latencies = [...done.values()].map((d) => d.latencyMs);
const ok = [...done.values()].filter((d) => d.ok).length;
process.stdout.write(
  `\n${ok} results, ${done.size - ok} dead letters, ${submittedAt.size - done.size} missing; ` +
    `${(done.size / elapsedS).toFixed(2)} videos/s; p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms\n`,
);
await results.close();
await letters.close();
await roles.stop();
await broker?.stop();
await rm(workDir, { recursive: true, force: true });
process.exit(done.size === submittedAt.size ? 0 : 1);
