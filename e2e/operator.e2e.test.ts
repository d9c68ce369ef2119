// biome-ignore-all lint/suspicious/noExplicitAny: the test reads kubectl JSON by path
// The operator as a user meets it: `vpo operator` runs as a child process against the real API
// server and Kafka broker; the user drives it with kubectl and the sample manifests, and the test
// checks what kubectl and the broker show. Waits are bounded; no timing is asserted.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { createKafkaAdmin, type KafkaAdmin } from '../kafka/admin.ts';
import { getKubernetesTestEnv } from './env/environment.ts';
import { applyCrds } from './support/crds.ts';
import { eventually } from './support/eventually.ts';
import { kubectlIn, kubeEnv, mergePatch } from './support/kubectl.ts';
import { createNamespaces, deleteNamespaces } from './support/namespace.ts';
import { localOperatorArgs, spawnOperator } from './support/operator-process.ts';

const env = getKubernetesTestEnv();
const ns = `op-e2e-${process.pid}`;
const kenv = kubeEnv(env.kubeconfig);
const { kubectl, json } = kubectlIn(kenv);

interface Operator {
  child: ChildProcess;
  logs: string[];
  exited: Promise<number | null>;
  port(): Promise<number>;
}

function startOperator(extra: string[] = []): Operator {
  const { child, logs, exited } = spawnOperator(
    localOperatorArgs(ns, ['--kafka-bootstrap', env.kafkaBootstrap, ...extra]),
    kenv,
  );
  const port = () =>
    eventually('the operator to listen', async () => {
      const m = /"port":(\d+)/.exec(logs.join(''));
      return m ? Number(m[1]) : undefined;
    });
  return { child, logs, exited, port };
}

const condition = (
  obj: { status?: { conditions?: { type: string; status: string; reason: string }[] } },
  type: string,
) => obj.status?.conditions?.find((c) => c.type === type);

async function backendDeployments(): Promise<Map<string, { rv: string; replicas: number }>> {
  const list = await json(['get', 'deploy', '-n', ns, '-l', 'serving.vpo.dev/role=backend']);
  return new Map(
    list.items.map((d: any) => [
      d.metadata.name,
      { rv: d.metadata.resourceVersion, replicas: d.spec.replicas },
    ]),
  );
}

const ingestReplicas = async (): Promise<number> =>
  (await json(['get', 'deploy', 'video-classifier-ingest', '-n', ns])).spec.replicas;

async function reconciles(op: Operator): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${await op.port()}/metrics`)).text();
  const m = /vpo_operator_reconciles_total\{kind="VideoPipeline",result="success"\} (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

describe('vpo operator', () => {
  let op: Operator;
  let admin: KafkaAdmin;
  const vp = () => json(['get', 'vp', 'video-classifier', '-n', ns]);

  before(async () => {
    await createNamespaces(kubectl, ns);
    await applyCrds(kubectl, 'CRDs to apply', [
      'crd/videopipelines.serving.vpo.dev',
      'crd/modelsessions.serving.vpo.dev',
    ]);
    admin = await createKafkaAdmin({ brokers: [env.kafkaBootstrap], clientId: `op-e2e-${process.pid}` });
    op = startOperator();
  });

  after(async () => {
    op?.child.kill('SIGTERM');
    await op?.exited;
    await admin?.close();
    await deleteNamespaces(kubectl, ns);
  });

  test('apply the sample: Planned, TopicsReady, Ready; Deployments, ConfigMap and topics match status.plan', async () => {
    await kubectl(['apply', '-n', ns, '-f', 'samples/video-classifier/']);
    const ready = await eventually('Ready=True', async () => {
      const obj = await vp();
      return condition(obj, 'Ready')?.status === 'True' ? obj : undefined;
    });
    assert.equal(condition(ready, 'Planned')?.status, 'True');
    assert.equal(condition(ready, 'TopicsReady')?.status, 'True');
    const deployments = await backendDeployments();
    for (const b of ready.status.plan.backends)
      assert.equal(deployments.get(b.name)?.replicas, b.replicas, b.name);
    assert.equal(deployments.size, ready.status.plan.backends.length);
    // 11.57 videos/s; the sample's measured ingestProfile (9 ms CPU per video, 4 decodes at once)
    // takes 444.44 videos/s per ingest pod.
    assert.deepEqual(ready.status.plan.ingest, { replicas: 1, capacityVps: '444.44' });
    assert.equal(await ingestReplicas(), 1);
    const cm = await json(['get', 'configmap', 'video-classifier-config', '-n', ns]);
    // The ConfigMap holds the runtime file (contract/runtime-file.ts): the plan's backend
    // groups, replicas and batch sizes are in `runtime.backends`.
    const file = JSON.parse(cm.data['config.json']);
    assert.equal(file.version, 1);
    assert.ok(file.kafka.brokers.length > 0 && typeof file.frameStore.root === 'string');
    const groups = (bs: any[]) =>
      bs.map((b) => [b.name, b.gpuProduct, b.replicas, b.sessions.map((x: any) => [x.stage, x.batchSize])]);
    assert.deepEqual(groups(file.runtime.backends), groups(ready.status.plan.backends));
    assert.deepEqual(
      file.runtime.stages.map((st: any) => st.name).sort(),
      ready.status.plan.stages.map((st: any) => st.name).sort(),
    );
    const stageTopics = ['scene', 'motion', 'fusion'].map((s) => `vpo.${ns}.video-classifier.stage.${s}`);
    const partitions = await admin.topicPartitions(stageTopics);
    for (const t of stageTopics) assert.ok((partitions[t] ?? 0) >= 1, `topic ${t}`);
    const table = await kubectl(['get', 'vp,ms', '-n', ns]);
    const row = table
      .split('\n')
      .find((l) => l.startsWith('videopipeline'))!
      .split(/\s+/);
    assert.deepEqual(row.slice(1, 4), ['True', String(ready.status.plan.gpus), '5.79']);
    assert.match(table, /modelsession\.serving\.vpo\.dev\/scene-classifier\s+True\s+True\s+cuda\s+32/);
  });

  test('change the load: the plan and Deployments follow; unchanged groups keep their resourceVersion', async () => {
    const before = await backendDeployments();
    const oldPlan = (await vp()).status.plan;
    // Three times the load, and videos measured at 1000 ms CPU each: the ingest pods follow both.
    await mergePatch(
      kubectl,
      'vp',
      'video-classifier',
      ns,
      '{"spec":{"load":{"videosPerDay":1500000},"ingestProfile":{"meanCpuMillisPerVideo":1000,"maxCpuMillisPerVideo":1000}}}',
    );
    const obj = await eventually('the plan for the new load', async () => {
      const o = await vp();
      return o.status.observedGeneration === o.metadata.generation &&
        condition(o, 'Planned')?.status === 'True'
        ? o
        : undefined;
    });
    assert.equal(obj.status.target.videosPerSecond, '17.36');
    assert.ok(obj.status.plan.gpus > oldPlan.gpus, `${obj.status.plan.gpus} > ${oldPlan.gpus}`);
    const after = await eventually('Deployments to follow', async () => {
      const d = await backendDeployments();
      return obj.status.plan.backends.every((b: any) => d.get(b.name)?.replicas === b.replicas)
        ? d
        : undefined;
    });
    assert.equal(after.size, obj.status.plan.backends.length);
    // 34.72 videos/s at 4 × 1000 / 1000 = 4 per pod: 9 ingest pods.
    assert.equal(obj.status.plan.ingest.replicas, 9);
    await eventually('the ingest Deployment to follow', async () => (await ingestReplicas()) === 9);
    const same = (b: any) =>
      JSON.stringify([b.name, b.gpuProduct, b.replicas, b.sessions.map((s: any) => s.session).sort()]);
    for (const b of obj.status.plan.backends) {
      const old = oldPlan.backends.find((o: any) => same(o) === same(b));
      if (old) assert.equal(after.get(b.name)?.rv, before.get(b.name)?.rv, `${b.name} untouched`);
    }
  });

  test('cordon the GPU nodes of the plan: re-planned elsewhere or InsufficientGPUs; uncordon: back', async () => {
    const product = (await vp()).status.plan.gpuProduct;
    const nodes = (await json(['get', 'nodes', '-l', `nvidia.com/gpu.product=${product}`])).items.map(
      (n: any) => n.metadata.name,
    );
    await kubectl(['cordon', ...nodes]);
    try {
      await eventually('a re-plan without the cordoned nodes', async () => {
        const o = await vp();
        const planned = condition(o, 'Planned');
        return (
          (planned?.status === 'True' && o.status.plan.gpuProduct !== product) ||
          planned?.reason === 'InsufficientGPUs'
        );
      });
    } finally {
      await kubectl(['uncordon', ...nodes]);
    }
    await eventually('the plan back on uncordoned nodes', async () => {
      const o = await vp();
      return condition(o, 'Planned')?.status === 'True' && o.status.plan.gpuProduct === product;
    });
  });

  test('invalid manifests: CEL rejects in the API server; a missing session is Planned=False MissingSession', async () => {
    const bad = (load: string, session = 'scene-classifier') => `apiVersion: serving.vpo.dev/v1alpha1
kind: VideoPipeline
metadata: {name: bad, namespace: ${ns}}
spec:
  sampling: {frames: 8, width: 64, height: 64}
  load: ${load}
  latencySLO: {p99Ms: 10000}
  stages: [{name: a, sessionRef: {name: ${session}}}]
`;
    await assert.rejects(
      kubectl(['apply', '-f', '-'], bad('{videosPerSecond: "1", videosPerDay: 100}')),
      /exactly one of load.videosPerSecond and load.videosPerDay must be set/,
    );
    await kubectl(['apply', '-f', '-'], bad('{videosPerSecond: "1"}', 'no-such-session'));
    const obj = await eventually('MissingSession', async () => {
      const o = await json(['get', 'vp', 'bad', '-n', ns]);
      return condition(o, 'Planned')?.reason === 'MissingSession' ? o : undefined;
    });
    assert.equal(condition(obj, 'Planned')?.status, 'False');
    assert.equal(condition(obj, 'Ready')?.status, 'False');
    await kubectl(['delete', 'vp', 'bad', '-n', ns]);
  });

  test('restart the operator: no writes to unchanged children', async () => {
    const snapshot = async () => {
      const list = await json([
        'get',
        'deploy,configmap,service',
        '-n',
        ns,
        '-l',
        'serving.vpo.dev/pipeline=video-classifier',
        '--show-managed-fields',
      ]);
      return list.items.map((o: any) => [
        o.kind,
        o.metadata.name,
        o.metadata.resourceVersion,
        JSON.stringify(o.metadata.managedFields.filter((f: any) => f.manager === 'vpo-operator')),
      ]);
    };
    const before = await snapshot();
    op.child.kill('SIGTERM');
    assert.equal(await op.exited, 0, 'graceful exit');
    op = startOperator();
    await eventually('the new operator to reconcile', async () => (await reconciles(op)) >= 1);
    assert.deepEqual(await snapshot(), before);
  });

  test('delete with cleanup.deleteTopics: children and topics are gone', async () => {
    await mergePatch(kubectl, 'vp', 'video-classifier', ns, '{"spec":{"cleanup":{"deleteTopics":true}}}');
    await kubectl(['delete', 'vp', 'video-classifier', '-n', ns, '--timeout=120s']);
    await eventually(
      'children gone',
      async () =>
        (
          await json([
            'get',
            'deploy,configmap,service',
            '-n',
            ns,
            '-l',
            'serving.vpo.dev/pipeline=video-classifier',
          ])
        ).items.length === 0,
    );
    const stageTopics = ['scene', 'motion', 'fusion'].map((s) => `vpo.${ns}.video-classifier.stage.${s}`);
    await eventually(
      'topics gone',
      async () => Object.keys(await admin.topicPartitions(stageTopics)).length === 0,
    );
  });
});
