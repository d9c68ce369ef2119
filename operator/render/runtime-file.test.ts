import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { checkRuntimeFile } from '../../contract/runtime-file.ts';
import { planLocally } from '../../embedded/local-plan.ts';
import { loadManifests } from '../api/manifests.ts';
import { renderRuntimeFile } from './runtime-file.ts';

const sampleDir = path.resolve(new URL('../../samples/video-classifier', import.meta.url).pathname);

async function sample() {
  const m = loadManifests([path.join(sampleDir, 'pipeline.yaml'), path.join(sampleDir, 'sessions.yaml')]);
  const pipeline = m.pipelines[0]!;
  const local = await planLocally({
    pipeline,
    sessions: m.sessions,
    provider: 'cpu',
    product: 'cpu',
    devices: 2,
    measure: async () => {
      throw new Error('the sample has cpu profiles');
    },
  });
  return { pipeline, sessions: m.sessions, plan: local.plan };
}

test('the runtime file is a pure function of manifests, plan and Kafka settings', async () => {
  const { pipeline, sessions, plan } = await sample();
  const input = {
    pipeline,
    sessions,
    plan,
    kafka: {
      brokers: ['kafka:9092'],
      sasl: { mechanism: 'plain' as const, username: 'u', passwordEnv: 'PW' },
    },
    frameStoreRoot: '/frames',
  };
  const file = renderRuntimeFile(input);
  assert.deepEqual(file, renderRuntimeFile(input));
  assert.deepEqual(checkRuntimeFile(JSON.parse(JSON.stringify(file)), 'f'), file);
  assert.equal(file.runtime.topics.source, 'videos.incoming');
  assert.equal(file.runtime.topics.output, 'videos.results');
  const ns = pipeline.metadata.namespace ?? 'default';
  assert.equal(
    file.runtime.stages[0]!.topic,
    `vpo.${ns}.${pipeline.metadata.name}.stage.${file.runtime.stages[0]!.name}`,
  );
  assert.equal(file.kafka.createTopics, false);
  assert.ok(file.kafka.settings.partitions >= 4);
  assert.ok(!JSON.stringify(file).includes('password"'), 'no password in the file');
});

test('a file that is not a runtime file is refused with the field at fault', () => {
  assert.throws(() => checkRuntimeFile({ version: 2 }, 'x.json'), /x\.json: version must be 1/);
  assert.throws(() => checkRuntimeFile('nope', 'x.json'), /must be an object/);
});

test('an s3 frame store needs its bucket, a prefix ending in / and the objectStore connection', async () => {
  const { pipeline, sessions, plan } = await sample();
  const file = renderRuntimeFile({
    pipeline,
    sessions,
    plan,
    kafka: { brokers: ['kafka:9092'] },
    frameStoreRoot: '/unused',
    frameStore: { kind: 's3', bucket: 'frames', prefix: 'media/vc/' },
    objectStore: {
      endpoint: 'http://s3:8333',
      region: 'us-east-1',
      credentialsEnv: { accessKeyId: 'A', secretAccessKey: 'S' },
    },
  });
  const json = () => JSON.parse(JSON.stringify(file));
  assert.deepEqual(checkRuntimeFile(json(), 'f').frameStore, {
    kind: 's3',
    bucket: 'frames',
    prefix: 'media/vc/',
  });
  const broken: [(f: ReturnType<typeof json>) => void, RegExp][] = [
    [(f) => delete f.objectStore, /objectStore is required by an s3 frame store/],
    [(f) => (f.frameStore.bucket = 'No_Bucket'), /frameStore.bucket must be an S3 bucket name/],
    [(f) => (f.frameStore.prefix = 'media'), /frameStore.prefix must be empty or end with '\/'/],
    [(f) => (f.frameStore.kind = 'nfs'), /frameStore.kind must be 'dir' or 's3'/],
    [(f) => (f.objectStore.endpoint = 'ftp://x'), /objectStore endpoint must be an http\(s\) URL/],
    [(f) => delete f.objectStore.region, /objectStore region must be a non-empty string/],
  ];
  for (const [edit, why] of broken) {
    const f = json();
    edit(f);
    assert.throws(() => checkRuntimeFile(f, 'f'), why);
  }
});
