// Fake nodes for KWOK: GPU nodes carry what NVIDIA's device plugin and GPU feature discovery put on
// real ones (allocatable nvidia.com/gpu; labels nvidia.com/gpu.product and nvidia.com/gpu.memory
// in MiB), so the scheduler and the planner see them as they would in a GPU cluster.
import type { V1Node } from '@kubernetes/client-node';

export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

export interface FakeNodeSpec {
  name: string;
  cpu: string;
  memory: string;
  pods: number;
  gpu?: { count: number; product: string; memoryMiB: number };
}

/** The default fleet: 2 × 4 A100-80GB, 2 × 2 T4, and one CPU-only node. */
export const DEFAULT_NODES: readonly FakeNodeSpec[] = [
  ...[0, 1].map((i) => ({
    name: `gpu-a100-${i}`,
    cpu: '64',
    memory: '512Gi',
    pods: 110,
    gpu: { count: 4, product: 'NVIDIA-A100-SXM4-80GB', memoryMiB: 81920 },
  })),
  ...[0, 1].map((i) => ({
    name: `gpu-t4-${i}`,
    cpu: '32',
    memory: '128Gi',
    pods: 110,
    gpu: { count: 2, product: 'NVIDIA-T4', memoryMiB: 15360 },
  })),
  { name: 'cpu-0', cpu: '16', memory: '64Gi', pods: 110 },
];

export function fakeNode(spec: FakeNodeSpec): V1Node {
  const resources: Record<string, string> = {
    cpu: spec.cpu,
    memory: spec.memory,
    pods: String(spec.pods),
  };
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': spec.name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    type: 'kwok',
  };
  if (spec.gpu) {
    resources['nvidia.com/gpu'] = String(spec.gpu.count);
    labels['nvidia.com/gpu.product'] = spec.gpu.product;
    labels['nvidia.com/gpu.memory'] = String(spec.gpu.memoryMiB);
    labels['nvidia.com/gpu.count'] = String(spec.gpu.count);
    labels['nvidia.com/gpu.present'] = 'true';
  }
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      labels,
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    },
    status: { allocatable: { ...resources }, capacity: { ...resources } },
  };
}
