/**
 * The source-topic contract (docs/API.md) on the real broker: a raw `{"videoId", "uri"}` record
 * produced with kafkajs to the pipeline's source topic comes out labelled on the output topic,
 * stamped with the record's timestamp; hostile records (not JSON, no videoId, no uri, a uri that
 * is not a string) come out on the dead-letter topic as InvalidMessage with the original.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { startTopicReader } from '../kafka/topic-reader.ts';
import type { DeadLetter, StageMessage } from '../runtime/transport/transport.ts';
import { repoRoot, startRoles, writeSampleRuntimeFile } from '../scripts/kafka-pipeline.ts';
import { getTestEnv } from './env/environment.ts';
import { produceRaw } from './kafka-support/harness.ts';

const { kafkaBootstrap } = getTestEnv();

test('raw {videoId, uri} records on the source topic are labelled; hostile ones are dead letters', {
  timeout: 180_000,
}, async () => {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'vpo-source-'));
  const namespace = `src-${path.basename(workDir).slice(-6).toLowerCase()}`;
  const { file, filePath } = await writeSampleRuntimeFile(kafkaBootstrap, workDir, namespace);
  const videos = path.join(repoRoot, 'samples/videos');
  const expected = JSON.parse(await readFile(path.join(videos, 'expected.json'), 'utf8')) as {
    file: string;
    label: string;
  }[];
  const video = expected.find((e) => e.file === 'static-dark.mp4');
  assert.ok(video, 'sample videos present (npm run prepare-samples)');
  const roles = await startRoles(file, filePath, () => {});
  const results: StageMessage[] = [];
  const letters: DeadLetter[] = [];
  const connection = { brokers: [kafkaBootstrap], clientId: 'it-source' };
  const readers = [
    await startTopicReader(connection, file.runtime.topics.output, (v) => results.push(v as StageMessage)),
    await startTopicReader(connection, file.runtime.topics.deadLetter, (v) => letters.push(v as DeadLetter)),
  ];
  const hostile = [
    { key: 'h1', value: 'this is not JSON' },
    { key: 'h2', value: JSON.stringify({ uri: pathToFileURL(path.join(videos, video.file)).href }) },
    { key: 'h3', value: JSON.stringify({ videoId: 'no-uri' }) },
    { key: 'h4', value: JSON.stringify({ videoId: 'uri-number', uri: 42 }) },
  ];
  try {
    const producedAtMs = Date.now() - 5_000;
    const good = { videoId: 'raw-1', uri: pathToFileURL(path.join(videos, video.file)).href };
    await produceRaw(kafkaBootstrap, file.runtime.topics.source, [
      { key: good.videoId, value: JSON.stringify(good), timestamp: String(producedAtMs) },
      ...hostile,
    ]);
    const deadline = Date.now() + 120_000;
    while ((results.length < 1 || letters.length < hostile.length) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    assert.equal(results.length, 1);
    const result = results[0]!;
    assert.equal(result.videoId, 'raw-1');
    assert.equal(result.source, good.uri);
    assert.equal(result.ingestedAtMs, producedAtMs);
    assert.equal((result.outputs.fusion as { label: string }).label, video.label);

    assert.equal(letters.length, hostile.length);
    for (const letter of letters) {
      assert.equal(letter.reason, 'InvalidMessage');
      assert.equal(letter.stage, 'ingest');
    }
    const byError = (re: RegExp) => letters.find((l) => re.test(l.error));
    assert.equal(byError(/not JSON/)?.original, 'this is not JSON');
    assert.deepEqual(byError(/no videoId/)?.original, JSON.parse(hostile[1]!.value));
    assert.equal(byError(/no uri/)?.videoId, 'no-uri');
    assert.deepEqual(byError(/uri must be a non-empty string/)?.original, { videoId: 'uri-number', uri: 42 });
  } finally {
    for (const r of readers) await r.close();
    await roles.stop();
    await rm(workDir, { recursive: true, force: true });
  }
});

test('records just under the broker limit are dead letters at once with a bounded excerpt; the partition flows', {
  timeout: 180_000,
}, async () => {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'vpo-source-big-'));
  const namespace = `big-${path.basename(workDir).slice(-6).toLowerCase()}`;
  const { file, filePath } = await writeSampleRuntimeFile(kafkaBootstrap, workDir, namespace);
  // One partition: a record that stalled would stop everything behind it.
  file.kafka.settings.partitions = 1;
  await writeFile(filePath, JSON.stringify(file));
  const uri = pathToFileURL(path.join(repoRoot, 'samples/videos', 'static-dark.mp4')).href;
  const roles = await startRoles(file, filePath, () => {});
  const results: StageMessage[] = [];
  const letters: DeadLetter[] = [];
  const connection = { brokers: [kafkaBootstrap], clientId: 'it-source-big' };
  const readers = [
    await startTopicReader(connection, file.runtime.topics.output, (v) => results.push(v as StageMessage)),
    await startTopicReader(connection, file.runtime.topics.deadLetter, (v) => letters.push(v as DeadLetter)),
  ];
  // ~1 MB each: the broker's message.max.bytes is 1 MiB by default.
  const pad = 'x'.repeat(1_000_000);
  const internal = { videoId: 'big-internal', source: uri, ingestedAtMs: Date.now(), outputs: {}, pad };
  try {
    // One record per request: each is under the limit, two together would not be.
    for (const record of [
      { key: 'big-no-id', value: JSON.stringify({ uri, pad }) },
      { key: 'big-internal', value: JSON.stringify(internal) },
      { key: 'after', value: JSON.stringify({ videoId: 'after', uri }) },
    ])
      await produceRaw(kafkaBootstrap, file.runtime.topics.source, [record]);
    const deadline = Date.now() + 120_000;
    while ((results.length < 1 || letters.length < 2) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(
      results.map((r) => r.videoId),
      ['after'],
    );
    assert.equal(letters.length, 2);
    for (const letter of letters) {
      assert.equal(letter.reason, 'InvalidMessage');
      assert.match(letter.error, /record of \d+ bytes > 65536/);
      const original = letter.original as {
        bytes: number;
        sha256: string;
        excerpt: string;
        truncated: boolean;
      };
      assert.equal(original.truncated, true);
      assert.ok(original.excerpt.length <= 4096);
      assert.ok(JSON.stringify(letter).length < 16 * 1024, 'the dead letter itself is small');
    }
  } finally {
    for (const r of readers) await r.close();
    await roles.stop();
    await rm(workDir, { recursive: true, force: true });
  }
});
