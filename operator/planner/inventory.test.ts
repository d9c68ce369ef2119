import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { availableByProduct, inventoryFromNodes } from './inventory.ts';

function node(
  name: string,
  gpus: unknown,
  labels: Record<string, unknown>,
  unschedulable?: boolean,
): unknown {
  return {
    metadata: { name, labels },
    spec: unschedulable === undefined ? {} : { unschedulable },
    status: { allocatable: { cpu: '16', 'nvidia.com/gpu': gpus } },
  };
}

const h100 = {
  'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3',
  'nvidia.com/gpu.memory': '81559',
  zone: 'a',
};
const t4 = { 'nvidia.com/gpu.product': 'Tesla-T4', 'nvidia.com/gpu.memory': 15360, zone: 'b' };

describe('inventoryFromNodes', () => {
  it('reads GPUs, product and memory from allocatable and labels (string or number)', () => {
    const nodes = inventoryFromNodes([node('h1', '8', h100), node('t1', 4, t4)]);
    assert.deepEqual(
      nodes.map((n) => [n.name, n.product, n.gpus, n.memoryMiB, n.unschedulable]),
      [
        ['h1', 'NVIDIA-H100-80GB-HBM3', 8, 81559, false],
        ['t1', 'Tesla-T4', 4, 0, false],
      ],
    );
  });

  it('ignores nodes without GPUs and tolerates junk', () => {
    const junk = [
      null,
      3,
      'x',
      [],
      {},
      { metadata: 5 },
      { status: { allocatable: { 'nvidia.com/gpu': 'lots' } } },
    ];
    const nodes = inventoryFromNodes([...junk, node('cpu', undefined, {}), node('h1', '2', h100)]);
    assert.deepEqual(
      nodes.map((n) => n.name),
      ['h1'],
    );
    assert.deepEqual(inventoryFromNodes('nope' as never), []);
  });

  it('marks cordoned nodes, which the planner does not count', () => {
    const nodes = inventoryFromNodes([node('h1', '8', h100, true), node('h2', '8', h100)]);
    assert.deepEqual(
      nodes.map((n) => n.unschedulable),
      [true, false],
    );
    assert.equal(availableByProduct(nodes, {}, []).get('NVIDIA-H100-80GB-HBM3')?.availableGpus, 8);
  });
});

describe('availableByProduct', () => {
  const nodes = inventoryFromNodes([
    node('h1', '8', h100),
    node('h2', '8', { ...h100, zone: 'b' }),
    node('t1', 4, t4),
  ]);

  it('applies the node selector by label equality', () => {
    const byProduct = availableByProduct(nodes, { zone: 'b' }, []);
    assert.deepEqual([...byProduct.keys()], ['NVIDIA-H100-80GB-HBM3', 'Tesla-T4']);
    assert.equal(byProduct.get('NVIDIA-H100-80GB-HBM3')?.availableGpus, 8);
  });

  it('applies the product allow-list and subtracts used GPUs', () => {
    const byProduct = availableByProduct(nodes, {}, ['Tesla-T4'], { 'Tesla-T4': 3 });
    assert.deepEqual([...byProduct.keys()], ['Tesla-T4']);
    assert.equal(byProduct.get('Tesla-T4')?.availableGpus, 1);
    assert.equal(byProduct.get('Tesla-T4')?.gpuMemoryMiB, Number.POSITIVE_INFINITY);
  });
});
