// GPU inventory from Kubernetes Node objects (as `kubectl get nodes -o json` items): allocatable
// nvidia.com/gpu and the GPU feature discovery labels. Pure: the caller fetches the nodes.
import type { GpuNode } from './types.ts';

const GPU_RESOURCE = 'nvidia.com/gpu';
const PRODUCT_LABEL = 'nvidia.com/gpu.product';
const MEMORY_LABEL = 'nvidia.com/gpu.memory';

function record(x: unknown): Record<string, unknown> | undefined {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
    ? (x as Record<string, unknown>)
    : undefined;
}

/** A count as Kubernetes prints it: a number or a decimal string ("4"); anything else is 0. */
function count(x: unknown): number {
  const n = typeof x === 'number' ? x : typeof x === 'string' && /^\s*\d+\s*$/.test(x) ? Number(x) : 0;
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

function stringLabels(x: unknown): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(record(x) ?? {})) if (typeof v === 'string') labels[k] = v;
  return labels;
}

/**
 * Nodes with at least one allocatable GPU, in input order. Junk (non-objects, missing fields,
 * unparsable counts) is skipped or read as 0, never thrown on. Cordoned nodes are kept with
 * `unschedulable: true` so callers can show them; the planner does not count them.
 */
export function inventoryFromNodes(nodes: unknown[]): GpuNode[] {
  const out: GpuNode[] = [];
  if (!Array.isArray(nodes)) return out;
  for (const node of nodes) {
    const n = record(node);
    if (!n) continue;
    const metadata = record(n.metadata);
    const allocatable = record(record(n.status)?.allocatable);
    const gpus = count(allocatable?.[GPU_RESOURCE]);
    if (gpus === 0) continue;
    const labels = stringLabels(metadata?.labels);
    out.push({
      name: typeof metadata?.name === 'string' ? metadata.name : '',
      product: labels[PRODUCT_LABEL] ?? 'unknown',
      gpus,
      memoryMiB: count(labels[MEMORY_LABEL]),
      labels,
      unschedulable: record(n.spec)?.unschedulable === true,
    });
  }
  return out;
}

export interface ProductInventory {
  product: string;
  /** Allocatable GPUs on schedulable matching nodes, minus those other plans use. */
  availableGpus: number;
  /** Smallest GPU memory among those nodes; Infinity when no node says. */
  gpuMemoryMiB: number;
}

export function matchesSelector(node: GpuNode, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => node.labels[k] === v);
}

/** Per product (sorted by name): what a pipeline with this selector and allow-list may use. */
export function availableByProduct(
  nodes: GpuNode[],
  nodeSelector: Record<string, string>,
  gpuProducts: string[],
  usedGpus: Record<string, number> = {},
): Map<string, ProductInventory> {
  const byProduct = new Map<string, ProductInventory>();
  for (const node of nodes) {
    if (node.unschedulable || node.gpus <= 0 || !matchesSelector(node, nodeSelector)) continue;
    if (gpuProducts.length > 0 && !gpuProducts.includes(node.product)) continue;
    const entry = byProduct.get(node.product) ?? {
      product: node.product,
      availableGpus: 0,
      gpuMemoryMiB: Number.POSITIVE_INFINITY,
    };
    entry.availableGpus += node.gpus;
    if (node.memoryMiB > 0) entry.gpuMemoryMiB = Math.min(entry.gpuMemoryMiB, node.memoryMiB);
    byProduct.set(node.product, entry);
  }
  for (const entry of byProduct.values()) {
    entry.availableGpus = Math.max(0, entry.availableGpus - (usedGpus[entry.product] ?? 0));
  }
  return new Map([...byProduct.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
