import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleChildren, samplePipeline } from './fixtures.test-support.ts';
import { cudaImageOf, runtimeImage } from './images.ts';
import { profileJob } from './profile-job.ts';

// biome-ignore lint/suspicious/noExplicitAny: the test walks rendered JSON by path
type Obj = Record<string, any>;

test('the CUDA image is the tag with -cuda; a digest names none', () => {
  assert.equal(cudaImageOf('ghcr.io/vpo-dev/vpo:0.1.0'), 'ghcr.io/vpo-dev/vpo:0.1.0-cuda');
  assert.equal(cudaImageOf('registry:5000/vpo'), 'registry:5000/vpo:latest-cuda');
  assert.equal(cudaImageOf('ghcr.io/vpo-dev/vpo@sha256:abc'), undefined);
  const options = { image: 'r/vpo@sha256:abc', kafkaBootstrap: 'k:9092' };
  assert.equal(runtimeImage(['cpu', 'webgpu'], options), 'r/vpo@sha256:abc');
  assert.throws(
    () => runtimeImage(['cuda'], options),
    /no CUDA image is set: .*give --cuda-image \(chart: runtime\.cudaImage\)/,
  );
  assert.equal(
    runtimeImage(['cuda'], { ...options, cudaImage: 'r/vpo-cuda@sha256:def' }),
    'r/vpo-cuda@sha256:def',
  );
});

test('backends of cuda sessions run the CUDA image, ingest and cpu backends the CPU one', () => {
  const planned = samplePipeline();
  const { sessions } = planned;
  const images = (s: typeof sessions, cudaImage?: string) =>
    sampleChildren(
      { image: 'vpo:1', kafkaBootstrap: 'k:9092', ...(cudaImage ? { cudaImage } : {}) },
      { ...planned, sessions: s },
    )
      .filter((o) => o.kind === 'Deployment')
      .map((d) => [d.metadata.name, (d as Obj).spec.template.spec.containers[0].image]);
  const cuda = images(sessions);
  assert.ok(
    sessions.every((s) => s.spec.executionProvider === 'cuda'),
    'the sample runs on cuda',
  );
  for (const [name, image] of cuda)
    assert.equal(image, name.endsWith('-ingest') ? 'vpo:1' : 'vpo:1-cuda', name);
  const cpu = images(sessions.map((s) => ({ ...s, spec: { ...s.spec, executionProvider: 'cpu' as const } })));
  for (const [name, image] of cpu) assert.equal(image, 'vpo:1', name);
  for (const [name, image] of images(sessions, 'mirror/vpo-gpu:1'))
    if (!name.endsWith('-ingest')) assert.equal(image, 'mirror/vpo-gpu:1');
});

test('runtime pods write start failures where the kubelet reads them', () => {
  for (const d of sampleChildren({ image: 'vpo:1', kafkaBootstrap: 'k:9092' })) {
    if (d.kind !== 'Deployment') continue;
    const c = (d as Obj).spec.template.spec.containers[0];
    assert.equal(c.terminationMessagePath, '/dev/termination-log');
    assert.equal(c.terminationMessagePolicy, 'FallbackToLogsOnError');
    assert.equal(c.args[c.args.indexOf('--termination-log') + 1], '/dev/termination-log');
  }
});

test('a cuda session is profiled in the CUDA image', () => {
  const { sessions } = samplePipeline();
  const job = profileJob(sessions[0]!, 'NVIDIA-H100-80GB-HBM3', {
    image: 'vpo:1',
    kafkaBootstrap: 'k:9092',
  }) as Obj;
  assert.equal(job.spec.template.spec.containers[0].image, 'vpo:1-cuda');
});
