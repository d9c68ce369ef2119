/**
 * The runtime roles as pods run them: `vpo runtime --role ingest` and `--role backend` processes
 * connected only through the real broker, with the sample models and videos. Videos posted to
 * the ingest's POST /v1/videos come out labelled on the output topic; a file that is not a video
 * comes out on the dead-letter topic; every role answers /healthz, /readyz and /metrics.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { startTopicReader } from '../kafka/topic-reader.ts';
import type { DeadLetter, StageMessage } from '../runtime/transport/transport.ts';
import { repoRoot, startRoles, submitVideo, writeSampleRuntimeFile } from '../scripts/kafka-pipeline.ts';
import { getTestEnv } from './env/environment.ts';

const { kafkaBootstrap } = getTestEnv();

test('ingest and backend processes run the sample pipeline through Kafka', { timeout: 180_000 }, async () => {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'vpo-roles-'));
  const namespace = `roles-${path.basename(workDir).slice(-6).toLowerCase()}`;
  const { file, filePath } = await writeSampleRuntimeFile(kafkaBootstrap, workDir, namespace);
  const videos = path.join(repoRoot, 'samples/videos');
  const expected = JSON.parse(await readFile(path.join(videos, 'expected.json'), 'utf8')) as {
    file: string;
    label: string;
  }[];
  const chosen = expected.filter((e) => ['static-dark.mp4', 'moving-colorful.webm'].includes(e.file));
  assert.equal(chosen.length, 2, 'sample videos present (npm run prepare-samples)');
  const junk = path.join(workDir, 'junk.mp4');
  await writeFile(junk, 'this is not a video');
  const roles = await startRoles(file, filePath, () => {});
  const results: StageMessage[] = [];
  const letters: DeadLetter[] = [];
  const connection = { brokers: [kafkaBootstrap], clientId: 'it-roles' };
  const readers = [
    await startTopicReader(connection, file.runtime.topics.output, (v) => results.push(v as StageMessage)),
    await startTopicReader(connection, file.runtime.topics.deadLetter, (v) => letters.push(v as DeadLetter)),
  ];
  try {
    for (const role of [roles.ingest, ...roles.backends]) {
      assert.equal((await fetch(`${role.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${role.url}/readyz`)).status, 200);
      assert.match(await (await fetch(`${role.url}/metrics`)).text(), /vpo_dead_letters_total/);
    }
    for (const e of chosen)
      await submitVideo(roles.ingest.apiUrl!, e.file, pathToFileURL(path.join(videos, e.file)).href);
    await submitVideo(roles.ingest.apiUrl!, 'junk', pathToFileURL(junk).href);
    const bad = await fetch(`${roles.ingest.apiUrl}/v1/videos`, {
      method: 'POST',
      body: '{"uri": 5}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(bad.status, 400);
    const deadline = Date.now() + 120_000;
    while ((results.length < chosen.length || letters.length < 1) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    for (const e of chosen) {
      const result = results.filter((r) => r.videoId === e.file);
      assert.equal(result.length, 1, e.file);
      assert.equal((result[0]!.outputs.fusion as { label: string }).label, e.label, e.file);
    }
    assert.equal(letters[0]?.videoId, 'junk');
    assert.equal(letters[0]?.stage, 'ingest');
    assert.match(letters[0]?.reason ?? '', /^(NotAVideo|DecodeFailed|EmptyVideo)$/);
    const metrics = await (await fetch(`${roles.ingest.url}/metrics`)).text();
    assert.match(
      metrics,
      /vpo_dead_letters_total\{pipeline="video-classifier",stage="ingest",reason="\w+"\} 1/,
    );
  } finally {
    for (const r of readers) await r.close();
    await roles.stop();
    await rm(workDir, { recursive: true, force: true });
  }
});
