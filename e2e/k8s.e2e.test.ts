// The Kubernetes test environment does what the e2e suites rely on: Deployments become
// ReplicaSets and Pods, the scheduler places GPU pods only on GPU nodes, KWOK runs them, and a
// pod asking for more GPUs than any node has stays Pending. Uses $KUBECONFIG when set (a cluster
// with GPU nodes labelled as NVIDIA's tools label them), else starts its own cluster.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import type { KubernetesCluster } from './env/k8s/cluster.ts';
import { eventually as eventually_ } from './support/eventually.ts';
import { kubeConfigOrOwnCluster } from './support/own-cluster.ts';

const GPU = 'nvidia.com/gpu';

const eventually = <T>(what: string, probe: () => Promise<T | undefined>) =>
  eventually_(what, probe, { timeoutMs: 60_000, intervalMs: 250, retryErrors: false });

const gpusOf = (resources: Record<string, string> | undefined) => Number(resources?.[GPU] ?? 0);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Kubernetes test environment', () => {
  let cluster: KubernetesCluster | undefined;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  const namespace = `k8s-e2e-${process.pid}`;
  const gpuNodes = new Map<string, number>();

  before(async () => {
    const own = await kubeConfigOrOwnCluster();
    cluster = own.cluster;
    const config = own.config;
    core = config.makeApiClient(CoreV1Api);
    apps = config.makeApiClient(AppsV1Api);
    for (const node of (await core.listNode()).items) {
      const gpus = gpusOf(node.status?.allocatable);
      if (gpus > 0 && node.metadata?.name) gpuNodes.set(node.metadata.name, gpus);
    }
    assert.ok(gpuNodes.size > 0, `the cluster has no node with allocatable ${GPU}`);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });

  after(async () => {
    await core?.deleteNamespace({ name: namespace }).catch(() => {});
    await cluster?.stop();
  });

  test('the fake nodes look like GPU feature discovery labelled them', async () => {
    const nodes = (await core.listNode()).items;
    for (const node of nodes.filter((n) => gpuNodes.has(n.metadata?.name ?? ''))) {
      const labels = node.metadata?.labels ?? {};
      assert.match(
        labels['nvidia.com/gpu.product'] ?? '',
        /^NVIDIA-/,
        `${node.metadata?.name} product label`,
      );
      assert.ok(Number(labels['nvidia.com/gpu.memory']) > 0, `${node.metadata?.name} memory label (MiB)`);
    }
    if (cluster) {
      const products = new Set(
        nodes.map((n) => n.metadata?.labels?.['nvidia.com/gpu.product']).filter(Boolean),
      );
      assert.deepEqual([...products].sort(), ['NVIDIA-A100-SXM4-80GB', 'NVIDIA-T4']);
      assert.ok(
        nodes.some((n) => gpusOf(n.status?.allocatable) === 0),
        'a CPU-only node exists',
      );
    }
  });

  test('a GPU Deployment becomes a ReplicaSet and Running pods on GPU nodes only', async () => {
    const replicas = 3;
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'gpu-worker' },
        spec: {
          replicas,
          selector: { matchLabels: { app: 'gpu-worker' } },
          template: {
            metadata: { labels: { app: 'gpu-worker' } },
            spec: {
              containers: [
                {
                  name: 'worker',
                  image: 'registry.invalid/vpo/worker:test',
                  resources: { limits: { [GPU]: '1' }, requests: { cpu: '100m', memory: '64Mi' } },
                },
              ],
            },
          },
        },
      },
    });
    const replicaSet = await eventually('a ReplicaSet of gpu-worker', async () => {
      const list = await apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=gpu-worker' });
      return list.items[0];
    });
    assert.equal(replicaSet.metadata?.ownerReferences?.[0]?.kind, 'Deployment');
    assert.equal(replicaSet.metadata?.ownerReferences?.[0]?.name, 'gpu-worker');
    const pods = await eventually(`${replicas} Running gpu-worker pods`, async () => {
      const list = await core.listNamespacedPod({ namespace, labelSelector: 'app=gpu-worker' });
      const running = list.items.filter((p) => p.status?.phase === 'Running');
      return running.length === replicas ? running : undefined;
    });
    for (const pod of pods) {
      assert.equal(pod.metadata?.ownerReferences?.[0]?.name, replicaSet.metadata?.name);
      const node = pod.spec?.nodeName ?? '';
      assert.ok(gpuNodes.has(node), `pod ${pod.metadata?.name} ran on ${node}, not a GPU node`);
      assert.ok(
        pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        'KWOK marks the pod Ready',
      );
    }
    const deployment = await eventually('deployment availableReplicas', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'gpu-worker', namespace });
      return d.status?.availableReplicas === replicas ? d : undefined;
    });
    assert.equal(deployment.status?.readyReplicas, replicas);
  });

  test('a pod asking for more GPUs than any node has stays Pending as Unschedulable', async () => {
    const tooMany = String(Math.max(...gpuNodes.values()) + 1);
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'too-many-gpus' },
        spec: {
          containers: [
            {
              name: 'worker',
              image: 'registry.invalid/vpo/worker:test',
              resources: { limits: { [GPU]: tooMany } },
            },
          ],
        },
      },
    });
    const pod: V1Pod = await eventually('the scheduler to give up on too-many-gpus', async () => {
      const p = await core.readNamespacedPod({ name: 'too-many-gpus', namespace });
      const scheduled = p.status?.conditions?.find((c) => c.type === 'PodScheduled');
      return scheduled?.status === 'False' ? p : undefined;
    });
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    assert.equal(scheduled?.reason, 'Unschedulable');
    assert.match(scheduled?.message ?? '', /Insufficient nvidia\.com\/gpu/);
    assert.equal(pod.spec?.nodeName, undefined);
    assert.equal(pod.status?.phase, 'Pending');
  });

  // An existing cluster from $KUBECONFIG is not ours to stop.
  const ownCluster = !process.env.KUBECONFIG;
  // In our own cluster no other pod holds GPUs, so the count is exact.
  if (ownCluster)
    test('the scheduler counts GPUs: one pod per GPU Runs, the next one stays Pending', async () => {
      const totalGpus = [...gpuNodes.values()].reduce((a, b) => a + b, 0);
      await apps.patchNamespacedDeploymentScale(
        { name: 'gpu-worker', namespace, body: { spec: { replicas: totalGpus + 1 } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      const pods = await eventually(`${totalGpus} Running and 1 Unschedulable gpu-worker pods`, async () => {
        const list = await core.listNamespacedPod({ namespace, labelSelector: 'app=gpu-worker' });
        const running = list.items.filter((p) => p.status?.phase === 'Running');
        const unschedulable = list.items.filter((p) =>
          p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable'),
        );
        return running.length === totalGpus && unschedulable.length === 1 ? running : undefined;
      });
      const perNode = new Map<string, number>();
      for (const pod of pods)
        perNode.set(pod.spec?.nodeName ?? '', (perNode.get(pod.spec?.nodeName ?? '') ?? 0) + 1);
      assert.deepEqual(
        new Map([...perNode].sort()),
        new Map([...gpuNodes].sort()),
        'every GPU node full, no more',
      );
    });

  if (ownCluster)
    test('stop() ends every component and removes the temp dir', async () => {
      assert.ok(cluster, 'the suite started its own cluster');
      await core.deleteNamespace({ name: namespace });
      const { components, dir } = cluster;
      await cluster.stop();
      cluster = undefined;
      for (const c of components)
        assert.equal(isAlive(c.pid), false, `${c.name} (pid ${c.pid}) still running`);
      assert.equal(existsSync(dir), false, `${dir} still exists`);
    });
});
