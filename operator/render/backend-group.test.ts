import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRuntimeFile, filePipelines } from '../../contract/runtime-file.ts';
import { backendRuntimeFile, namespaceBackends } from './backend-group.ts';
import { SCAN_EXCEPTIONS } from './deployments.ts';
import { sampleChildren, sampleNamespace, samplePipeline } from './fixtures.test-support.ts';
import { backendConfigName, LABELS } from './names.ts';

const options = { image: 'vpo:test', kafkaBootstrap: '127.0.0.1:9092' };

// biome-ignore lint/suspicious/noExplicitAny: the test walks rendered JSON by path
type Obj = Record<string, any>;

test('one Deployment per backend group with planned replicas, one GPU, product selector, its runtime file', () => {
  const { plan } = samplePipeline();
  const objects = sampleChildren(options) as Obj[];
  for (const group of plan.backends) {
    const d = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === group.name)!;
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
    assert.equal(
      pod.volumes.find((v: Obj) => v.name === 'config').configMap.name,
      backendConfigName(group.name),
    );
    // Pods and selector name the group only: which pipelines it serves may change under them.
    assert.deepEqual(d.spec.selector.matchLabels, d.spec.template.metadata.labels);
    assert.equal(d.spec.template.metadata.labels[LABELS.pipeline], undefined);
    assert.equal(d.spec.template.metadata.labels[LABELS.backend], group.name);
    assert.equal(d.metadata.labels[LABELS.pipeline], 'video-classifier');
    assert.deepEqual(
      d.metadata.ownerReferences.map((o: Obj) => [o.uid, o.controller]),
      [['uid-1', false]],
    );
    const cm = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name === backendConfigName(group.name),
    )!;
    const file = checkRuntimeFile(JSON.parse(cm.data['config.json']), 'config.json');
    assert.ok(file.runtime.backends.some((b) => b.name === group.name));
  }
  const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'vpo-backends')!;
  assert.deepEqual(service.spec.selector, {
    [LABELS.name]: 'vpo',
    [LABELS.managedBy]: 'vpo-operator',
    [LABELS.role]: 'backend',
  });
});

test('a group shared by three pipelines: one Deployment owned by all, one runtime file hosting all', () => {
  const { planned, hosted, sessions } = sampleNamespace(3);
  const shared = planned.backends.filter((b) => b.pipelines.length === 3);
  assert.ok(shared.length > 0, planned.explanation);
  const { objects } = namespaceBackends(planned.backends, hosted, sessions, options);
  for (const group of shared) {
    const d = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === group.name) as Obj;
    assert.deepEqual(
      d.metadata.ownerReferences.map((o: Obj) => o.name),
      ['vc-0', 'vc-1', 'vc-2'],
    );
    assert.ok(d.metadata.ownerReferences.every((o: Obj) => o.controller === false && o.blockOwnerDeletion));
    assert.equal(d.metadata.labels[LABELS.pipeline], undefined);
    // Only the constant scanner exceptions: nothing that changes with the pipelines it serves.
    assert.deepEqual(d.metadata.annotations, SCAN_EXCEPTIONS);
    const cm = objects.find((o) => o.metadata.name === backendConfigName(group.name)) as Obj;
    assert.equal(cm.metadata.annotations['serving.vpo.dev/pipelines'], 'vc-0,vc-1,vc-2');
    const file = checkRuntimeFile(JSON.parse(cm.data['config.json']), 'config.json');
    const pipelines = filePipelines(file);
    assert.deepEqual(
      pipelines.map((p) => p.runtime.pipeline.name),
      ['vc-0', 'vc-1', 'vc-2'],
    );
    for (const { runtime, kafkaSettings } of pipelines) {
      const name = runtime.pipeline.name;
      // Each pipeline its own topics, output and dead letters; the group with its own sessions.
      assert.equal(runtime.topics.output, `vpo.media.${name}.results`);
      assert.equal(runtime.topics.deadLetter, `vpo.media.${name}.dead`);
      assert.ok(runtime.stages.every((s) => s.topic.startsWith(`vpo.media.${name}.stage.`)));
      assert.ok(kafkaSettings.partitions >= 4);
      const mine = runtime.backends.find((b) => b.name === group.name)!;
      assert.deepEqual(
        mine.sessions.map((s) => s.stage).sort(),
        group.sessions
          .filter((s) => s.pipeline === name)
          .map((s) => s.stage)
          .sort(),
      );
      assert.equal(mine.dutyCycleMicros, group.dutyCycleMicros);
      assert.deepEqual(mine.pipelines, ['vc-0', 'vc-1', 'vc-2']);
    }
  }
});

test('the runtime file is rejected when a pipeline repeats; unchanged groups render identically', () => {
  const { planned, hosted, sessions } = sampleNamespace(2);
  const file = backendRuntimeFile(hosted, sessions, options);
  const repeated = {
    ...file,
    otherPipelines: [{ runtime: file.runtime, kafkaSettings: file.kafka.settings }],
  };
  assert.throws(
    () => checkRuntimeFile(JSON.parse(JSON.stringify(repeated)), 'f.json'),
    /repeats media\/vc-0/,
  );
  const changed = planned.backends.map((b, i) => (i === 0 ? b : { ...b, replicas: b.replicas + 1 }));
  const a = namespaceBackends(planned.backends, hosted, sessions, options).objects;
  const b = namespaceBackends(changed, hosted, sessions, options).objects;
  const first = planned.backends[0]!.name;
  assert.deepEqual(
    a.filter((o) => o.metadata.name === first),
    b.filter((o) => o.metadata.name === first),
  );
});
