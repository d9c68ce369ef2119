// Frame store and object store per pipeline: the spec's, else the operator's default; a pipeline
// whose pods would not share frames is refused; an s3 frame store renders into the runtime file,
// the pods' env (keys only by secretKeyRef) and volumes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRuntimeFile } from '../../contract/runtime-file.ts';
import { desiredChildren, FrameStoreNotSharedError } from './desired.ts';
import { sampleChildren, samplePipeline } from './fixtures.test-support.ts';
import type { RenderOptions } from './options.ts';
import { pipelineStorage } from './storage.ts';

// biome-ignore lint/suspicious/noExplicitAny: rendered objects are read by path
type Obj = any;
const base: RenderOptions = { image: 'vpo:test', kafkaBootstrap: '127.0.0.1:9092' };
const defaultStore = { endpoint: 'http://seaweedfs.storage:8333', region: 'eu-1', forcePathStyle: true };

function withSpec(spec: Record<string, unknown>) {
  const sample = samplePipeline();
  return { ...sample, pipeline: { ...sample.pipeline, spec: { ...sample.pipeline.spec, ...spec } } };
}

const pods = (objects: Obj[]) =>
  objects
    .filter((o) => o.kind === 'Deployment')
    .map((d) => ({ name: d.metadata.name, spec: d.spec.template.spec }));

test('no claim and no object store: refused with the reason, never an emptyDir per pod', () => {
  const { pipeline, sessions, plan } = samplePipeline();
  const result = pipelineStorage(pipeline, base);
  assert.equal(result.ok, false);
  assert.match(
    result.ok ? '' : result.message,
    /need a frame store they all share.*--frame-store-bucket or --frame-store-claim/,
  );
  assert.throws(() => desiredChildren(pipeline, sessions, plan, base), FrameStoreNotSharedError);
  // An s3 frame store without any object store is refused too.
  const s3 = withSpec({ frameStore: { kind: 's3', s3: { bucket: 'frames' } } });
  assert.throws(() => desiredChildren(s3.pipeline, s3.sessions, s3.plan, base), /needs an object store/);
});

test('precedence: the spec’s frame store, then --frame-store-bucket, then --frame-store-claim', () => {
  const { pipeline } = samplePipeline();
  const both = {
    ...base,
    objectStore: defaultStore,
    frameStoreBucket: 'vpo-frames',
    frameStoreClaim: 'shared',
  };
  assert.deepEqual(pipelineStorage(pipeline, both), {
    ok: true,
    storage: {
      frameStore: { kind: 's3', bucket: 'vpo-frames', prefix: 'media/video-classifier/' },
      objectStore: { connection: { endpoint: defaultStore.endpoint, region: 'eu-1', forcePathStyle: true } },
    },
  });
  assert.deepEqual(pipelineStorage(pipeline, { ...base, frameStoreClaim: 'shared' }), {
    ok: true,
    storage: { frameStore: { kind: 'persistentVolumeClaim', claimName: 'shared' } },
  });
  const own = withSpec({
    frameStore: { kind: 'persistentVolumeClaim', persistentVolumeClaim: { claimName: 'mine' } },
  });
  const resolved = pipelineStorage(own.pipeline, both);
  assert.deepEqual(resolved.ok && resolved.storage.frameStore, {
    kind: 'persistentVolumeClaim',
    claimName: 'mine',
  });
});

test('an s3 frame store renders into the runtime file, the env (secretKeyRef only) and the volumes', () => {
  const { pipeline, sessions, plan } = withSpec({
    frameStore: { kind: 's3', s3: { bucket: 'frames', prefix: 'team-a/' } },
    objectStore: {
      endpoint: 'https://s3.example.com',
      region: 'us-west-2',
      forcePathStyle: false,
      credentialsSecret: { name: 'media-s3', accessKeyIdKey: 'id', secretAccessKeyKey: 'secret' },
    },
  });
  const objects = sampleChildren({ ...base, objectStore: defaultStore }, { pipeline, sessions, plan });
  const cm = objects.find((o) => o.kind === 'ConfigMap') as Obj;
  const file = checkRuntimeFile(JSON.parse(cm.data['config.json']), 'config.json');
  assert.deepEqual(file.frameStore, { kind: 's3', bucket: 'frames', prefix: 'team-a/' });
  assert.deepEqual(file.objectStore, {
    endpoint: 'https://s3.example.com',
    region: 'us-west-2',
    credentialsEnv: { accessKeyId: 'VPO_S3_ACCESS_KEY_ID', secretAccessKey: 'VPO_S3_SECRET_ACCESS_KEY' },
  });
  for (const { name, spec } of pods(objects as Obj[])) {
    const container = spec.containers[0];
    assert.ok(!container.args.includes('--frame-store'), `${name}: no frame directory`);
    assert.ok(!spec.volumes.some((v: Obj) => v.name === 'frames'), `${name}: no frames volume`);
    const env = Object.fromEntries(container.env.map((e: Obj) => [e.name, e]));
    assert.deepEqual(env.VPO_S3_ACCESS_KEY_ID.valueFrom, { secretKeyRef: { name: 'media-s3', key: 'id' } });
    assert.deepEqual(env.VPO_S3_SECRET_ACCESS_KEY.valueFrom, {
      secretKeyRef: { name: 'media-s3', key: 'secret' },
    });
    assert.equal(env.VPO_FRAME_DIR, undefined);
    const backend = container.args.includes('backend');
    assert.equal(container.args.includes('--model-cache'), backend, `${name}: model cache on backends`);
    assert.equal(
      spec.volumes.some((v: Obj) => v.name === 'model-cache' && v.emptyDir),
      backend,
      name,
    );
  }
});

test('the operator’s default object store with its per-namespace Secret; a claim renders the shared volume', () => {
  const { pipeline, sessions, plan } = samplePipeline();
  const options = {
    ...base,
    objectStore: { ...defaultStore, credentialsSecret: 'vpo-s3' },
    frameStoreBucket: 'vpo-frames',
  };
  const objects = sampleChildren(options, { pipeline, sessions, plan });
  for (const { spec } of pods(objects as Obj[])) {
    const env = Object.fromEntries(spec.containers[0].env.map((e: Obj) => [e.name, e]));
    assert.deepEqual(env.VPO_S3_ACCESS_KEY_ID.valueFrom.secretKeyRef, { name: 'vpo-s3', key: 'accessKeyId' });
  }
  const claimed = sampleChildren({ ...base, frameStoreClaim: 'frames-rwx' }, { pipeline, sessions, plan });
  for (const { spec } of pods(claimed as Obj[])) {
    assert.deepEqual(
      spec.volumes.find((v: Obj) => v.name === 'frames'),
      { name: 'frames', persistentVolumeClaim: { claimName: 'frames-rwx' } },
    );
    assert.ok(spec.containers[0].args.includes('--frame-store'));
  }
});

test('pvc:// models: the backends hosting them mount each claim read-only where the runtime looks', () => {
  const { pipeline, sessions, plan } = samplePipeline();
  const withClaims = sessions.map((s) =>
    s.metadata.name === 'scene-classifier'
      ? { ...s, spec: { ...s.spec, model: { uri: 'pvc://models-rwx/v1/scene.onnx' } } }
      : s,
  );
  const objects = sampleChildren(
    { ...base, frameStoreClaim: 'frames' },
    { pipeline, sessions: withClaims, plan },
  );
  const hosting = (objects as Obj[]).filter(
    (o) =>
      o.kind === 'Deployment' && o.spec.template.spec.volumes.some((v: Obj) => v.name === 'model-claim-0'),
  );
  assert.ok(hosting.length >= 1, 'the group hosting scene mounts the claim');
  for (const d of hosting) {
    const spec = d.spec.template.spec;
    assert.deepEqual(spec.volumes.find((v: Obj) => v.name === 'model-claim-0').persistentVolumeClaim, {
      claimName: 'models-rwx',
      readOnly: true,
    });
    const mount = spec.containers[0].volumeMounts.find((m: Obj) => m.name === 'model-claim-0');
    assert.deepEqual(mount, {
      name: 'model-claim-0',
      mountPath: '/var/lib/vpo/model-claims/models-rwx',
      readOnly: true,
    });
    const args: string[] = spec.containers[0].args;
    assert.equal(args[args.indexOf('--model-claims') + 1], '/var/lib/vpo/model-claims');
  }
});
