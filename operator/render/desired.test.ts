import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRuntimeFile } from '../../contract/runtime-file.ts';
import { desiredChildren } from './desired.ts';
import { samplePipeline } from './fixtures.test-support.ts';
import { childName } from './names.ts';

const options = { image: 'vpo:test', kafkaBootstrap: '127.0.0.1:9092' };

// biome-ignore lint/suspicious/noExplicitAny: the test walks rendered JSON by path
type Obj = Record<string, any>;

test('desired children are deterministic: desired(x) deep-equals desired(x)', () => {
  const { pipeline, sessions, plan } = samplePipeline();
  assert.deepEqual(
    desiredChildren(pipeline, sessions, plan, options),
    desiredChildren(pipeline, sessions, plan, options),
  );
});

test("a pipeline's own children: its runtime file, ingest Deployment and Services, no backends", () => {
  const { pipeline, sessions, plan } = samplePipeline();
  const objects = desiredChildren(pipeline, sessions, plan, options);
  assert.deepEqual(
    objects.map((o) => `${o.kind}/${o.metadata.name}`),
    [
      'ConfigMap/video-classifier-config',
      'Deployment/video-classifier-ingest',
      'Service/video-classifier-metrics',
      'Service/video-classifier-ingest',
      'NetworkPolicy/video-classifier-ingest',
    ],
  );
  for (const o of objects) assert.equal(o.metadata.ownerReferences?.[0]?.uid, 'uid-1');
  const ingest = objects.find((o) => o.kind === 'Deployment') as Obj;
  assert.deepEqual(ingest.spec.template.spec.containers[0].args.slice(0, 3), ['runtime', '--role', 'ingest']);
  // The plan's ingest pods, a CPU per concurrent decode (downloadConcurrency, default 4).
  assert.equal(ingest.spec.replicas, plan.ingest.replicas);
  assert.equal(ingest.spec.template.spec.containers[0].resources.requests.cpu, '4');
  assert.equal(
    ingest.spec.template.spec.volumes.find((v: Obj) => v.name === 'config').configMap.name,
    'video-classifier-config',
  );
  const more = { ...plan, ingest: { replicas: 5, capacityVps: 4 } };
  const scaled = desiredChildren(pipeline, sessions, more, options).find(
    (o) => o.kind === 'Deployment',
  ) as Obj;
  assert.equal(scaled.spec.replicas, 5);
  const cm = objects.find((o) => o.kind === 'ConfigMap') as Obj;
  // Exactly the runtime file `vpo runtime --config` reads (checked by the runtime's own checker).
  const file = checkRuntimeFile(JSON.parse(cm.data['config.json']), 'config.json');
  assert.deepEqual(
    file.runtime.backends.map((b) => b.name),
    plan.backends.map((b) => b.name),
  );
  assert.deepEqual(file.kafka.brokers, options.kafkaBootstrap.split(','));
  assert.equal(file.frameStore.root, '/var/lib/vpo/frames');
  assert.equal(file.kafka.createTopics, false);
  assert.equal(file.otherPipelines, undefined);
});

test("the ingest pods' memory is computed from the decode bounds, request equal to limit", () => {
  const { pipeline, sessions, plan } = samplePipeline();
  const resourcesOf = (p: typeof pipeline) =>
    (
      desiredChildren(p, sessions, plan, options).find(
        (o) => o.metadata.name === 'video-classifier-ingest' && o.kind === 'Deployment',
      ) as Obj
    ).spec.template.spec.containers[0].resources;
  // Default bound, 3840×2160: 4 decodes × (8294400 px × 3 B × 18 pictures + 2 × 8×64×64×3 B + 32 MiB)
  // + 384 MiB = 4 × 460 + 384.
  const byDefault = resourcesOf(pipeline);
  assert.equal(byDefault.limits.memory, '2224Mi');
  assert.equal(byDefault.requests.memory, byDefault.limits.memory);
  // A pipeline bounded to 1080p pictures needs a quarter of the decoder memory.
  const hd = structuredClone(pipeline);
  hd.spec.source = { ...hd.spec.source, maxPixelsPerFrame: 1920 * 1080 };
  assert.equal(
    resourcesOf(hd).limits.memory,
    `${384 + 4 * (Math.ceil((1920 * 1080 * 54 + 6 * 8 * 64 * 64) / 2 ** 20) + 32)}Mi`,
  );
  assert.equal(resourcesOf(hd).limits.memory, '940Mi');
});

test('long names are cut to a DNS label with a stable hash', () => {
  const long = 'p'.repeat(80);
  const name = childName(long, 'config');
  assert.ok(name.length <= 63);
  assert.equal(name, childName(long, 'config'));
  assert.notEqual(name, childName(long, 'ingest'));
});
