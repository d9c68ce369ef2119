// After the processes are up: register the fake nodes and wait until the cluster can run pods
// (nodes Ready through KWOK, controller-manager and scheduler healthy, default service account made).
import { CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';
import type { Ports } from './flags.ts';
import { type FakeNodeSpec, fakeNode } from './nodes.ts';
import { httpsGet, waitUntil } from './probes.ts';

function coreApi(kubeconfig: string): CoreV1Api {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  return config.makeApiClient(CoreV1Api);
}

export async function registerNodes(kubeconfig: string, nodes: readonly FakeNodeSpec[]): Promise<void> {
  const api = coreApi(kubeconfig);
  for (const spec of nodes) {
    try {
      await api.createNode({ body: fakeNode(spec) });
    } catch (error) {
      throw new Error(`registering fake node ${spec.name} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

const isReady = (node: V1Node) =>
  node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export async function waitForClusterReady(args: {
  kubeconfig: string;
  ports: Ports;
  nodes: readonly FakeNodeSpec[];
  deadline: number;
  alive: () => void;
}): Promise<void> {
  const { kubeconfig, ports, nodes, deadline, alive } = args;
  const api = coreApi(kubeconfig);
  const healthy = (port: number) => async () => {
    const res = await httpsGet(`https://127.0.0.1:${port}/healthz`, { insecure: true });
    if (res.status !== 200) throw new Error(`/healthz ${res.status}: ${res.body.slice(-300)}`);
    return true;
  };
  await waitUntil('kube-controller-manager /healthz', deadline, healthy(ports.controllerManager), alive);
  await waitUntil('kube-scheduler /healthz', deadline, healthy(ports.scheduler), alive);
  await waitUntil(
    `${nodes.length} fake nodes Ready (KWOK)`,
    deadline,
    async () => {
      const list = await api.listNode();
      const ready = list.items.filter(isReady).map((n) => n.metadata?.name);
      if (nodes.every((spec) => ready.includes(spec.name))) return true;
      throw new Error(`ready so far: [${ready.join(', ')}]`);
    },
    alive,
  );
  // Pods are refused until the service account controller has made "default" in the namespace.
  await waitUntil(
    'service account default/default',
    deadline,
    async () => Boolean(await api.readNamespacedServiceAccount({ name: 'default', namespace: 'default' })),
    alive,
  );
}
