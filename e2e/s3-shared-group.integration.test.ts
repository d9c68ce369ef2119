/**
 * A shared backend group (#9) with s3 frame stores that differ per pipeline, as pods run it: two
 * pipelines of one namespace, each with its own `vpo runtime --role ingest` process writing frames
 * under its own prefix of one bucket in the suite's real S3 server, and ONE `--role backend`
 * process for the group, whose runtime file carries both pipelines (`otherPipelines`, the second
 * with its own `frameStore`). Frame refs are relative to their pipeline's prefix: the backend must
 * read and release each pipeline's frames in that pipeline's store. Both pipelines' results come
 * out on their own output topics with the sample's labels, and both prefixes are empty afterwards.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { S3_CREDENTIALS_ENV } from '../contract/object-store.ts';
import type { RuntimeFile } from '../contract/runtime-file.ts';
import { startTopicReader } from '../kafka/topic-reader.ts';
import { renderRuntimeFile } from '../operator/render/runtime-file.ts';
import type { StageMessage } from '../runtime/transport/transport.ts';
import {
  type RoleProcess,
  repoRoot,
  sampleDir,
  sampleLocalPlan,
  startRole,
  submitVideo,
} from '../scripts/kafka-pipeline.ts';
import { getTestEnv } from './env/environment.ts';
import { freshBucket, keysUnder, testObjectStore, testS3 } from './support/s3.ts';

const { kafkaBootstrap } = getTestEnv();
const s3 = testS3();

test('one backend process serves two pipelines whose frames live under different s3 prefixes', {
  timeout: 240_000,
}, async () => {
  const store = testObjectStore();
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'vpo-s3-group-'));
  const namespace = `s3group-${path.basename(workDir).slice(-6).toLowerCase()}`;
  const [sources, frames] = [await freshBucket(store, 'sources'), await freshBucket(store, 'frames')];
  const videos = path.join(repoRoot, 'samples/videos');
  const expected = JSON.parse(await readFile(path.join(videos, 'expected.json'), 'utf8')) as {
    file: string;
    label: string;
  }[];
  const chosen = expected.filter((e) => ['static-dark.mp4', 'moving-bright.mp4'].includes(e.file));
  assert.equal(chosen.length, 2, 'sample videos present (npm run prepare-samples)');
  for (const e of chosen) await store.put(sources, e.file, await readFile(path.join(videos, e.file)));

  // Two pipelines of one plan shape; the group of the same name hosts both pipelines' stages.
  const { pipeline, sessions, local } = await sampleLocalPlan(namespace);
  const objectStore = {
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentialsEnv: { ...S3_CREDENTIALS_ENV },
  };
  const fileOf = (name: string): RuntimeFile => {
    const file = renderRuntimeFile({
      pipeline: { ...pipeline, metadata: { ...pipeline.metadata, name } },
      sessions,
      // The group hosts both pipelines' sessions, each listed in its own pipeline's config.
      plan: {
        ...local.plan,
        backends: local.plan.backends.map((g) => ({
          ...g,
          pipelines: ['alpha', 'beta'],
          sessions: g.sessions.map((session) => ({ ...session, pipeline: name })),
        })),
      },
      kafka: { brokers: [kafkaBootstrap], createTopics: true },
      frameStoreRoot: '/unused',
      frameStore: { kind: 's3', bucket: frames, prefix: `${namespace}/${name}/` },
      objectStore,
      modelRoot: sampleDir,
      runtimeOptions: { executionProvider: 'cpu' },
    });
    file.runtime.source.allowedUriSchemes = ['s3'];
    file.runtime.source.clientVideoIds = true;
    // A local run, as scripts/kafka-pipeline.ts: the ingest API without a token.
    delete file.runtime.source.httpTokenEnv;
    return file;
  };
  const [a, b] = [fileOf('alpha'), fileOf('beta')];
  const group: RuntimeFile = {
    ...a,
    otherPipelines: [{ runtime: b.runtime, kafkaSettings: b.kafka.settings, frameStore: b.frameStore }],
  };
  const paths = { a: path.join(workDir, 'alpha.json'), b: path.join(workDir, 'beta.json') };
  const groupPath = path.join(workDir, 'group.json');
  for (const [p, f] of [
    [paths.a, a],
    [paths.b, b],
    [groupPath, group],
  ] as const)
    await writeFile(p, `${JSON.stringify(f, null, 2)}\n`);
  process.env[S3_CREDENTIALS_ENV.accessKeyId] = s3.accessKeyId;
  process.env[S3_CREDENTIALS_ENV.secretAccessKey] = s3.secretAccessKey;

  const logs: string[] = [];
  const log = (line: string) => logs.push(line);
  const groupName = local.plan.backends[0]!.name;
  const roles: RoleProcess[] = [];
  const results: Record<string, StageMessage[]> = { alpha: [], beta: [] };
  const connection = { brokers: [kafkaBootstrap], clientId: 'it-s3-group' };
  const readers: { close(): Promise<void> }[] = [];
  try {
    for (const args of [
      ['--role', 'ingest', '--config', paths.a],
      ['--role', 'ingest', '--config', paths.b],
      ['--role', 'backend', '--config', groupPath, '--backend', groupName],
    ])
      roles.push(
        await startRole(args, log).catch((error: Error) => {
          throw new Error(`${error.message}\n${logs.slice(-30).join('\n')}`);
        }),
      );
    readers.push(
      await startTopicReader(connection, a.runtime.topics.output, (v) =>
        results.alpha!.push(v as StageMessage),
      ),
      await startTopicReader(connection, b.runtime.topics.output, (v) =>
        results.beta!.push(v as StageMessage),
      ),
    );
    for (const role of roles) assert.equal((await fetch(`${role.url}/readyz`)).status, 200);
    for (const e of chosen) {
      await submitVideo(roles[0]!.apiUrl!, `a-${e.file}`, `s3://${sources}/${e.file}`);
      await submitVideo(roles[1]!.apiUrl!, `b-${e.file}`, `s3://${sources}/${e.file}`);
    }
    const deadline = Date.now() + 150_000;
    const done = () => results.alpha!.length >= chosen.length && results.beta!.length >= chosen.length;
    while (!done() && Date.now() < deadline) await sleep(200);
    for (const [name, tag] of [
      ['alpha', 'a'],
      ['beta', 'b'],
    ] as const) {
      for (const e of chosen) {
        const found = results[name]!.filter((r) => r.videoId === `${tag}-${e.file}`);
        assert.equal(found.length, 1, `${name} ${e.file}:\n${logs.slice(-30).join('\n')}`);
        assert.equal((found[0]!.outputs.fusion as { label: string }).label, e.label, `${name} ${e.file}`);
      }
    }
    // Each pipeline's frames released in its own store by the group's backend: both prefixes empty.
    for (const name of ['alpha', 'beta']) {
      let left = await keysUnder(store, frames, `${namespace}/${name}/`);
      for (let i = 0; i < 50 && left.length > 0; i++) {
        await sleep(200);
        left = await keysUnder(store, frames, `${namespace}/${name}/`);
      }
      assert.deepEqual(left, [], `${name}: frames deleted after the last consumer`);
    }
    assert.ok(!logs.some((l) => /RefNotFound/.test(l)), logs.join('\n'));
  } finally {
    for (const r of readers) await r.close();
    for (const r of roles) await r.stop();
    store.close();
    await rm(workDir, { recursive: true, force: true });
  }
});
