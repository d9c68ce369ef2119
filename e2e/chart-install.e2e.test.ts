// The Helm chart installed on a real API server: `helm install`, `helm upgrade` and `helm uninstall`,
// checking the objects, the RBAC the operator gets (`kubectl auth can-i`) and that KWOK reports the
// operator pods Running (they do not execute: KWOK has no kubelet). Between install and upgrade the
// operator runs (from the sources, not the image) with the installed Deployment's flags and its
// ServiceAccount's token, and must reconcile the sample without one Forbidden.
// Its release, namespaces and PersistentVolumes are this file's own: chart-render.e2e.test.ts may run
// beside it on the same cluster (it never deletes the vpo CRDs this file expects to stay).
// Uses $KUBECONFIG and $KAFKA_BOOTSTRAP when set, else starts its own cluster and broker.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type ChartCluster,
  type ChartClusterHandle,
  closeChartCluster,
  openChartCluster,
} from './chart-support/cluster.ts';
import { canI, type Installed, operatorReconcilesUnderChartRbac } from './chart-support/operator-run.ts';
import { type ChartTools, eventually, type K8sObject } from './chart-support/tools.ts';
import { baseValues, CHART } from './chart-support/values.ts';

const RELEASE = 'chart-e2e';
const NAMESPACE = `vpo-chart-e2e-${process.pid}`;
const PIPELINES = `vpo-chart-media-${process.pid}`;
const STORAGE_CLASS = `vpo-e2e-rwx-${process.pid}`;
const FULLNAME = `${RELEASE}-vpo`;
const INSTALLED: Installed = { namespace: NAMESPACE, pipelines: PIPELINES, fullname: FULLNAME };
const BASE_VALUES = baseValues(STORAGE_CLASS);

describe('charts/vpo installed', () => {
  const handle: ChartClusterHandle = { environment: undefined, helmHome: undefined, cluster: undefined };
  let cluster: ChartCluster;
  let tools: ChartTools;
  let run: ChartTools['run'];
  let ok: ChartTools['ok'];
  let helm: ChartTools['helm'];
  let kubectl: ChartTools['kubectl'];
  let getJson: ChartTools['getJson'];
  const pvNames = [NAMESPACE, PIPELINES].map((ns) => `${ns}-frames`);

  before(async () => {
    cluster = await openChartCluster(handle, [NAMESPACE, PIPELINES]);
    ({ tools } = cluster);
    ({ run, ok, helm, kubectl, getJson } = tools);
    // ReadWriteMany PersistentVolumes of the class the release asks for, one per frame-store
    // claim, so the claims bind (the test cluster has no provisioner). KWOK mounts nothing.
    for (const [i, name] of pvNames.entries()) {
      await ok(
        'kubectl',
        ['apply', '-f', '-'],
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'PersistentVolume',
          metadata: { name },
          spec: {
            capacity: { storage: '10Gi' },
            accessModes: ['ReadWriteMany'],
            storageClassName: STORAGE_CLASS,
            persistentVolumeReclaimPolicy: 'Retain',
            // Reserved for the claim the chart will create in that namespace.
            claimRef: { namespace: [NAMESPACE, PIPELINES][i], name: `${FULLNAME}-frames` },
            nfs: { server: 'nfs.example.internal', path: `/${name}` },
          },
        }),
      );
    }
  });

  after(async () => {
    const cleanup = handle.cluster?.tools;
    await cleanup?.run(cleanup.helmBin, ['uninstall', RELEASE, '--namespace', NAMESPACE, '--wait']);
    for (const args of [
      ['namespace', NAMESPACE, PIPELINES],
      ['pv', ...pvNames],
    ]) {
      await cleanup?.run('kubectl', ['delete', ...args, '--ignore-not-found', '--wait=false']);
    }
    await closeChartCluster(handle);
  });

  test('helm install, upgrade and uninstall', async () => {
    const installed = await helm(
      'install',
      RELEASE,
      CHART,
      '--namespace',
      NAMESPACE,
      ...BASE_VALUES,
      '--set',
      `kafka.bootstrapServers=${cluster.kafkaBootstrap.replaceAll(',', '\\,')}`,
      '--set',
      `operator.watchNamespace=${PIPELINES}`,
      '--set',
      `frameStore.namespaces={${PIPELINES}}`,
      '--wait',
      '--timeout',
      '3m',
    );
    assert.match(installed, /STATUS: deployed/);
    assert.match(installed, /kubectl apply -n <namespace> -f samples\/video-classifier\//);

    // KWOK reports the operator pods Running and Ready (it has no kubelet: nothing executes).
    const selector = `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=operator`;
    const runningPods = async (count: number, image: string) =>
      eventually(`${count} Running operator pods with ${image}`, async () => {
        const pods = (await getJson('pods', '-n', NAMESPACE, '-l', selector)).items as K8sObject[];
        const running = pods.filter(
          (p) =>
            p.status.phase === 'Running' &&
            !p.metadata.deletionTimestamp &&
            p.spec.containers[0].image === image &&
            p.status.conditions?.some((c: K8sObject) => c.type === 'Ready' && c.status === 'True'),
        );
        return running.length === count && pods.length === count ? running : undefined;
      });
    const pods = await runningPods(2, 'ghcr.io/vpo-dev/vpo:0.1.0');
    const nodes = (await getJson('nodes')).items as K8sObject[];
    for (const pod of pods) {
      const node = nodes.find((n) => n.metadata.name === pod.spec.nodeName);
      assert.ok(
        node?.metadata.annotations?.['kwok.x-k8s.io/node'],
        `${pod.metadata.name} is not on a KWOK node`,
      );
      assert.equal(pod.spec.serviceAccountName, FULLNAME);
    }

    const pvc = await getJson('pvc', '-n', NAMESPACE, `${FULLNAME}-frames`);
    assert.equal(pvc.status.phase, 'Bound');
    assert.equal(pvc.spec.volumeName, pvNames[0]);
    const pipelinesPvc = await getJson('pvc', '-n', PIPELINES, `${FULLNAME}-frames`);
    assert.equal(pipelinesPvc.status.phase, 'Bound');
    // The metrics Service selects exactly the operator pods.
    await eventually('2 endpoints behind the metrics Service', async () => {
      const slices = (
        await getJson(
          'endpointslices',
          '-n',
          NAMESPACE,
          '-l',
          `kubernetes.io/service-name=${FULLNAME}-metrics`,
        )
      ).items as K8sObject[];
      const endpoints = slices.flatMap((s) => s.endpoints ?? []);
      return endpoints.length === 2 ? endpoints : undefined;
    });
    assert.equal((await getJson('pdb', '-n', NAMESPACE, FULLNAME)).spec.minAvailable, 1);

    // The operator's ServiceAccount may do its job, and nothing more.
    for (const [verb, resource, ns] of [
      ['watch', 'videopipelines.serving.vpo.dev', undefined],
      ['list', 'modelsessions.serving.vpo.dev', undefined],
      ['patch', 'videopipelines.serving.vpo.dev', PIPELINES],
      ['patch', 'videopipelines.serving.vpo.dev#status', PIPELINES],
      ['patch', 'modelsessions.serving.vpo.dev#status', PIPELINES],
      ['update', 'videopipelines.serving.vpo.dev#finalizers', PIPELINES],
      ['create', 'deployments.apps', PIPELINES],
      ['patch', 'deployments.apps', PIPELINES],
      ['delete', 'deployments.apps', PIPELINES],
      ['create', 'configmaps', PIPELINES],
      // A backend group's runtime file goes with the group when a re-plan drops it.
      ['delete', 'configmaps', PIPELINES],
      ['patch', 'services', PIPELINES],
      ['create', 'events', PIPELINES],
      ['watch', 'nodes', undefined],
      ['create', 'leases.coordination.k8s.io', NAMESPACE],
      ['get', 'leases.coordination.k8s.io/vpo-operator', NAMESPACE],
      ['update', 'leases.coordination.k8s.io/vpo-operator', NAMESPACE],
    ] as const) {
      assert.equal(
        await canI(tools, INSTALLED, verb, resource, ns),
        true,
        `operator cannot ${verb} ${resource}`,
      );
    }
    for (const [verb, resource, ns] of [
      ['get', 'secrets', PIPELINES],
      ['create', 'pods', PIPELINES],
      ['delete', 'services', PIPELINES],
      ['delete', 'nodes', undefined],
      ['patch', 'nodes', undefined],
      ['update', 'videopipelines.serving.vpo.dev', PIPELINES],
      ['update', 'videopipelines.serving.vpo.dev#status', PIPELINES],
      ['patch', 'deployments.apps#scale', PIPELINES],
      ['delete', 'videopipelines.serving.vpo.dev', PIPELINES],
      ['create', 'clusterroles.rbac.authorization.k8s.io', undefined],
      ['update', 'leases.coordination.k8s.io/kube-scheduler', 'kube-system'],
      ['update', 'leases.coordination.k8s.io/someone-else', NAMESPACE],
      ['create', 'leases.coordination.k8s.io', PIPELINES],
      ['*', '*', undefined],
    ] as const) {
      assert.equal(
        await canI(tools, INSTALLED, verb, resource, ns),
        false,
        `operator may ${verb} ${resource}`,
      );
    }
    await operatorReconcilesUnderChartRbac(tools, INSTALLED);

    const upgraded = await helm(
      'upgrade',
      RELEASE,
      CHART,
      '--namespace',
      NAMESPACE,
      '--reuse-values',
      '--set',
      'replicaCount=3',
      '--set',
      'image.tag=0.1.1',
      '--wait',
      '--timeout',
      '3m',
    );
    assert.match(upgraded, /REVISION: 2/);
    await runningPods(3, 'ghcr.io/vpo-dev/vpo:0.1.1');
    const deployment = await getJson('deployment', '-n', NAMESPACE, FULLNAME);
    assert.ok(deployment.spec.template.spec.containers[0].args.includes('--image=ghcr.io/vpo-dev/vpo:0.1.1'));
    assert.equal((await getJson('pvc', '-n', NAMESPACE, `${FULLNAME}-frames`)).spec.volumeName, pvNames[0]);

    await helm('uninstall', RELEASE, '--namespace', NAMESPACE, '--wait', '--timeout', '2m');
    for (const args of [
      ['deployment', '-n', NAMESPACE, FULLNAME],
      ['serviceaccount', '-n', NAMESPACE, FULLNAME],
      ['pvc', '-n', NAMESPACE, `${FULLNAME}-frames`],
      ['clusterrole', FULLNAME],
      ['clusterrolebinding', FULLNAME],
    ]) {
      await eventually(`${args.join(' ')} deleted`, async () => {
        const result = await run('kubectl', ['get', ...args, '--ignore-not-found', '-o', 'name']);
        return result.code === 0 && result.stdout.trim() === '' ? true : undefined;
      });
    }
    await eventually('operator pods gone', async () => {
      const pods = (await getJson('pods', '-n', NAMESPACE, '-l', selector)).items as K8sObject[];
      return pods.length === 0 ? true : undefined;
    });
    // Helm never deletes CRDs (that would delete every user's pipelines): they stay.
    await kubectl('get', 'crd', 'videopipelines.serving.vpo.dev', 'modelsessions.serving.vpo.dev');
  });
});
