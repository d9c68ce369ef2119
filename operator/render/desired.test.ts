import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRuntimeFile } from '../../contract/runtime-file.ts';
import { desiredChildren } from './desired.ts';
import { samplePipeline } from './fixtures.test-support.ts';
import { childName } from './names.ts';

const options = { image: 'vpo:test', kafkaBootstrap: '127.0.0.1:9092', frameStoreClaim: 'frames' };

// biome-ignore lint/suspicious/noExplicitAny: the test walks rendered JSON by path
type Obj = Record<string, any>;

test('desired children are deterministic: desired(x) deep-equals desired(x)', () => {
  const { pipeline, sessions, plan } = samplePipeline();
  assert.deepEqual(
    desiredChildren(pipeline, sessions, plan, options),
    desiredChildren(pipeline, sessions, plan, options),
  );
});

test('one Deployment per backend group with planned replicas, one GPU, product selector', () => {
  const { pipeline, sessions, plan } = samplePipeline();
  const { objects, backendNames } = desiredChildren(pipeline, sessions, plan, options);
  assert.deepEqual(
    backendNames,
    plan.backends.map((b) => b.name),
  );
  for (const group of plan.backends) {
    const d = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === group.name) as Obj;
    assert.equal(d.spec.replicas, group.replicas);
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    assert.equal(c.resources.limits['nvidia.com/gpu'], '1');
    assert.equal(pod.nodeSelector['nvidia.com/gpu.product'], group.gpuProduct);
    // The image's entrypoint runs vpo; the pod gives the runtime's args, its group included.
    assert.equal(c.command, undefined);
    assert.deepEqual(c.args.slice(0, 5), [
      'runtime',
      '--role',
      'backend',
      '--config',
      '/etc/vpo/config.json',
    ]);
    assert.equal(c.args[c.args.indexOf('--backend') + 1], group.name);
    assert.equal(c.args[c.args.indexOf('--port') + 1], String(c.ports[0].containerPort));
    const mounts = c.volumeMounts.map((m: Obj) => m.mountPath);
    assert.ok(mounts.includes(c.args[c.args.indexOf('--frame-store') + 1]));
    assert.equal(c.livenessProbe.httpGet.path, '/healthz');
    assert.equal(c.readinessProbe.httpGet.path, '/readyz');
    assert.deepEqual(c.securityContext, {
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.ok(pod.volumes.some((v: Obj) => v.name === 'frames'));
    assert.equal(pod.volumes.find((v: Obj) => v.name === 'config').configMap.name, 'video-classifier-config');
    assert.equal(d.metadata.ownerReferences[0].uid, 'uid-1');
  }
});

test('ingest Deployment, metrics and ingest Services, and the runtime config ConfigMap', () => {
  const { pipeline, sessions, plan } = samplePipeline();
  const { objects } = desiredChildren(pipeline, sessions, plan, options);
  const ingest = objects.find(
    (o) => o.metadata.name === 'video-classifier-ingest' && o.kind === 'Deployment',
  ) as Obj;
  assert.deepEqual(ingest.spec.template.spec.containers[0].args.slice(0, 3), ['runtime', '--role', 'ingest']);
  // The plan's ingest pods, a CPU per concurrent decode (downloadConcurrency, default 4).
  assert.equal(ingest.spec.replicas, plan.ingest.replicas);
  assert.equal(ingest.spec.template.spec.containers[0].resources.requests.cpu, '4');
  const more = { ...plan, ingest: { replicas: 5, capacityVps: 4 } };
  const scaled = desiredChildren(pipeline, sessions, more, options).objects.find(
    (o) => o.metadata.name === 'video-classifier-ingest' && o.kind === 'Deployment',
  ) as Obj;
  assert.equal(scaled.spec.replicas, 5);
  const services = objects.filter((o) => o.kind === 'Service').map((o) => o.metadata.name);
  assert.deepEqual(services, ['video-classifier-metrics', 'video-classifier-ingest']);
  const cm = objects.find((o) => o.kind === 'ConfigMap') as Obj;
  // Exactly the runtime file `vpo runtime --config` reads (checked by the runtime's own checker).
  const file = checkRuntimeFile(JSON.parse(cm.data['config.json']), 'config.json');
  assert.deepEqual(
    file.runtime.backends.map((b) => b.name),
    plan.backends.map((b) => b.name),
  );
  assert.deepEqual(file.kafka.brokers, options.kafkaBootstrap.split(','));
  assert.deepEqual(file.frameStore, { root: '/var/lib/vpo/frames' });
  assert.equal(file.kafka.createTopics, false);
});

test('a group whose content is unchanged renders identically when another group changes', () => {
  const { pipeline, sessions, plan } = samplePipeline();
  const changed = {
    ...plan,
    backends: plan.backends.map((b, i) => (i === 0 ? b : { ...b, replicas: b.replicas + 1 })),
  };
  const a = desiredChildren(pipeline, sessions, plan, options).objects;
  const b = desiredChildren(pipeline, sessions, changed, options).objects;
  const first = plan.backends[0]!.name;
  assert.deepEqual(
    a.find((o) => o.metadata.name === first),
    b.find((o) => o.metadata.name === first),
  );
});

test('long names are cut to a DNS label with a stable hash', () => {
  const long = 'p'.repeat(80);
  const name = childName(long, 'config');
  assert.ok(name.length <= 63);
  assert.equal(name, childName(long, 'config'));
  assert.notEqual(name, childName(long, 'ingest'));
});
