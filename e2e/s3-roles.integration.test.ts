/**
 * The sample pipeline with everything in the object store, as pods run it: `vpo runtime --role
 * ingest` and `--role backend` processes connected only through the real broker, sharing nothing
 * but the suite's real S3 server (SeaweedFS). Sources are s3:// objects, the models are s3:// URIs
 * with their sha256 (fetched once into each backend's cache), and the frames live in an s3 frame
 * store: written by the ingest process, read and released by the backend processes, and gone once
 * the last stage has released them. A missing source object and one that is not a video end on the
 * dead-letter topic with their reasons; no key is ever in the runtime file (only variable names).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { S3_CREDENTIALS_ENV } from '../contract/object-store.ts';
import type { RuntimeFile } from '../contract/runtime-file.ts';
import { startTopicReader } from '../kafka/topic-reader.ts';
import type { DeadLetter, StageMessage } from '../runtime/transport/transport.ts';
import {
  repoRoot,
  sampleDir,
  startRoles,
  submitVideo,
  writeSampleRuntimeFile,
} from '../scripts/kafka-pipeline.ts';
import { getTestEnv } from './env/environment.ts';
import { produceRaw } from './kafka-support/harness.ts';
import { freshBucket, keysUnder, testObjectStore, testS3 } from './support/s3.ts';

const { kafkaBootstrap } = getTestEnv();
const s3 = testS3();

test('the sample pipeline with sources, models and frames in S3, through Kafka', {
  timeout: 240_000,
}, async () => {
  const store = testObjectStore();
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'vpo-s3-roles-'));
  const namespace = `s3roles-${path.basename(workDir).slice(-6).toLowerCase()}`;
  const [sources, models, frames] = [
    await freshBucket(store, 'sources'),
    await freshBucket(store, 'models'),
    await freshBucket(store, 'frames'),
  ];
  const videos = path.join(repoRoot, 'samples/videos');
  const expected = JSON.parse(await readFile(path.join(videos, 'expected.json'), 'utf8')) as {
    file: string;
    label: string;
  }[];
  const chosen = expected.filter((e) =>
    ['static-dark.mp4', 'moving-colorful.webm', 'moving-bright.mp4'].includes(e.file),
  );
  assert.equal(chosen.length, 3, 'sample videos present (npm run prepare-samples)');
  for (const e of chosen) await store.put(sources, `in/${e.file}`, await readFile(path.join(videos, e.file)));
  await store.put(sources, 'in/junk.mp4', 'this is not a video');

  const rendered = await writeSampleRuntimeFile(kafkaBootstrap, workDir, namespace);
  const stages = [];
  for (const stage of rendered.file.runtime.stages) {
    const local = path.join(sampleDir, new URL(stage.model.uri).pathname);
    const bytes = await readFile(local);
    await store.put(models, `video-classifier/${stage.session}.onnx`, bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    stages.push({
      ...stage,
      model: { uri: `s3://${models}/video-classifier/${stage.session}.onnx`, sha256 },
    });
  }
  const prefix = `${namespace}/video-classifier/`;
  const { modelRoot: _unused, ...withoutModelRoot } = rendered.file;
  const file: RuntimeFile = {
    ...withoutModelRoot,
    runtime: { ...rendered.file.runtime, stages },
    frameStore: { kind: 's3', bucket: frames, prefix },
    objectStore: {
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentialsEnv: { ...S3_CREDENTIALS_ENV },
    },
  };
  await writeFile(rendered.filePath, `${JSON.stringify(file, null, 2)}\n`);
  const text = await readFile(rendered.filePath, 'utf8');
  assert.ok(
    !text.includes(s3.secretAccessKey) && !text.includes(s3.accessKeyId),
    'no key in the runtime file',
  );
  // The pods' environment: what the operator renders from the credentials Secret.
  process.env[S3_CREDENTIALS_ENV.accessKeyId] = s3.accessKeyId;
  process.env[S3_CREDENTIALS_ENV.secretAccessKey] = s3.secretAccessKey;

  const logs: string[] = [];
  const roles = await startRoles(file, rendered.filePath, (line) => logs.push(line));
  const results: StageMessage[] = [];
  const letters: DeadLetter[] = [];
  const connection = { brokers: [kafkaBootstrap], clientId: 'it-s3-roles' };
  const readers = [
    await startTopicReader(connection, file.runtime.topics.output, (v) => results.push(v as StageMessage)),
    await startTopicReader(connection, file.runtime.topics.deadLetter, (v) => letters.push(v as DeadLetter)),
  ];
  try {
    for (const role of [roles.ingest, ...roles.backends])
      assert.equal((await fetch(`${role.url}/readyz`)).status, 200);
    const [posted, ...produced] = chosen;
    await submitVideo(roles.ingest.apiUrl!, posted!.file, `s3://${sources}/in/${posted!.file}`);
    await produceRaw(kafkaBootstrap, file.runtime.topics.source, [
      ...produced.map((e) => ({
        key: e.file,
        value: JSON.stringify({ videoId: e.file, uri: `s3://${sources}/in/${e.file}` }),
      })),
      {
        key: 'missing',
        value: JSON.stringify({ videoId: 'missing', uri: `s3://${sources}/in/missing.mp4` }),
      },
      { key: 'junk', value: JSON.stringify({ videoId: 'junk', uri: `s3://${sources}/in/junk.mp4` }) },
    ]);
    const deadline = Date.now() + 150_000;
    while ((results.length < chosen.length || letters.length < 2) && Date.now() < deadline) await sleep(200);
    for (const e of chosen) {
      const result = results.filter((r) => r.videoId === e.file);
      assert.equal(result.length, 1, `${e.file}: ${logs.slice(-20).join('\n')}`);
      assert.equal((result[0]!.outputs.fusion as { label: string }).label, e.label, e.file);
    }
    const reasons = Object.fromEntries(letters.map((l) => [l.videoId, `${l.stage}/${l.reason}`]));
    assert.equal(reasons.missing, 'ingest/NotFound');
    assert.match(reasons.junk ?? '', /^ingest\/(NotAVideo|DecodeFailed|EmptyVideo)$/);
    // Every stage released its hold in another process than the writer's: nothing is left.
    let left = await keysUnder(store, frames);
    for (let i = 0; i < 50 && left.length > 0; i++) {
      await sleep(200);
      left = await keysUnder(store, frames);
    }
    assert.deepEqual(left, [], 'frames deleted after the last consumer');
    // The models were fetched from the store, not read from the sample folder.
    assert.ok(!logs.some((l) => /ModelLoadError|cannot fetch model/.test(l)), logs.join('\n'));
  } finally {
    for (const r of readers) await r.close();
    await roles.stop();
    store.close();
    await rm(workDir, { recursive: true, force: true });
  }
});
