import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelSession } from '../../contract/crd-types.generated.ts';
import { samplePipeline } from './fixtures.test-support.ts';
import { profileBatches, profileJob, profileJobName } from './profile-job.ts';

const options = { image: 'vpo:test', kafkaBootstrap: '127.0.0.1:9092', modelClaim: 'models' };
const scene = (): ModelSession => ({
  ...samplePipeline().sessions[0]!,
  metadata: { name: 'scene-classifier', namespace: 'media', uid: 'uid-s' },
});

// biome-ignore lint/suspicious/noExplicitAny: the test walks rendered JSON by path
type Obj = Record<string, any>;

test('the Job is deterministic, pinned to the product, one GPU, owned by the session, bounded', () => {
  const job = profileJob(scene(), 'NVIDIA-T4', options) as Obj;
  assert.deepEqual(profileJob(scene(), 'NVIDIA-T4', options), job);
  assert.equal(job.metadata.namespace, 'media');
  assert.deepEqual(job.metadata.ownerReferences, [
    {
      apiVersion: 'serving.vpo.dev/v1alpha1',
      kind: 'ModelSession',
      name: 'scene-classifier',
      uid: 'uid-s',
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  assert.equal(job.spec.backoffLimit, 2);
  assert.ok(job.spec.ttlSecondsAfterFinished > 0 && job.spec.activeDeadlineSeconds > 0);
  const pod = job.spec.template.spec;
  assert.equal(pod.restartPolicy, 'Never');
  assert.equal(pod.automountServiceAccountToken, false);
  assert.deepEqual(pod.nodeSelector, { 'nvidia.com/gpu.product': 'NVIDIA-T4' });
  const [c] = pod.containers;
  assert.equal(c.resources.requests['nvidia.com/gpu'], '1');
  assert.equal(c.resources.limits['nvidia.com/gpu'], '1');
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(c.terminationMessagePolicy, 'FallbackToLogsOnError');
  assert.deepEqual(c.args, [
    'profile',
    '/models/scene.onnx',
    '--provider',
    'cuda',
    '--batches',
    '1,2,4,8,16,32',
    '--repeats',
    '10',
    '--input-shape',
    '8,3,64,64',
    '--gpu-product',
    'NVIDIA-T4',
    '--result-file',
    c.terminationMessagePath,
  ]);
  assert.deepEqual(
    c.volumeMounts.find((m: Obj) => m.name === 'models'),
    { name: 'models', mountPath: '/models', readOnly: true },
  );
  assert.equal(pod.volumes.find((v: Obj) => v.name === 'models').persistentVolumeClaim.claimName, 'models');
});

test('the name changes with the product, the model or the provider, and fits a DNS label', () => {
  const s = scene();
  const base = profileJobName(s, 'NVIDIA-T4');
  assert.match(base, /^scene-classifier-profile-[0-9a-z]{7}$/);
  assert.notEqual(profileJobName(s, 'NVIDIA-A100-SXM4-80GB'), base);
  const other = { ...s, spec: { ...s.spec, model: { uri: 'file:///models/scene-v2.onnx' } } };
  assert.notEqual(profileJobName(other, 'NVIDIA-T4'), base);
  const sha = { ...s, spec: { ...s.spec, model: { ...s.spec.model, sha256: 'a'.repeat(64) } } };
  assert.notEqual(profileJobName(sha, 'NVIDIA-T4'), base);
  assert.notEqual(profileJobName({ ...s, spec: { ...s.spec, executionProvider: 'cpu' } }, 'NVIDIA-T4'), base);
  const long = (suffix: string) => ({
    ...s,
    metadata: { ...s.metadata, name: `${'x'.repeat(80)}${suffix}` },
  });
  const [a, b] = [profileJobName(long('a'), 'NVIDIA-T4'), profileJobName(long('b'), 'NVIDIA-T4')];
  assert.ok(a.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(a), a);
  assert.notEqual(a, b);
});

test('sha256 is checked by the Job; long product names are hashed in labels, kept in the annotation', () => {
  const s = scene();
  const sha = { ...s, spec: { ...s.spec, model: { ...s.spec.model, sha256: 'b'.repeat(64) } } };
  const product = `NVIDIA-${'X'.repeat(70)}`;
  const job = profileJob(sha, product, { image: 'vpo:test', kafkaBootstrap: 'k:1' }) as Obj;
  const args: string[] = job.spec.template.spec.containers[0].args;
  assert.equal(args[args.indexOf('--sha256') + 1], 'b'.repeat(64));
  assert.ok(job.metadata.labels['serving.vpo.dev/gpu-product'].length <= 63);
  assert.equal(job.metadata.annotations['serving.vpo.dev/gpu-product'], product);
  assert.equal(
    job.spec.template.spec.volumes.find((v: Obj) => v.name === 'models'),
    undefined,
  );
});

test('batches: powers of two up to maxBatchSize, which is always measured', () => {
  assert.deepEqual(profileBatches(1), [1]);
  assert.deepEqual(profileBatches(8), [1, 2, 4, 8]);
  assert.deepEqual(profileBatches(12), [1, 2, 4, 8, 12]);
});
