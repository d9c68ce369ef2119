import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../kube/types.ts';
import { createSessionIndex } from './session-index.ts';
import { nodeChangeMatters, ownerPipelineKeys, pipelineNeedsReconcile } from './triggers.ts';

const obj = (meta: Partial<KubeObject['metadata']>, rest: Partial<KubeObject> = {}): KubeObject => ({
  metadata: { name: 'p', namespace: 'ns', ...meta },
  ...rest,
});

test('a status-only update does not requeue a pipeline; spec changes and resyncs do', () => {
  assert.equal(
    pipelineNeedsReconcile(
      obj({ resourceVersion: '2', generation: 1 }),
      obj({ resourceVersion: '1', generation: 1 }),
    ),
    false,
  );
  assert.equal(
    pipelineNeedsReconcile(
      obj({ resourceVersion: '2', generation: 2 }),
      obj({ resourceVersion: '1', generation: 1 }),
    ),
    true,
  );
  assert.equal(
    pipelineNeedsReconcile(
      obj({ resourceVersion: '1', generation: 1 }),
      obj({ resourceVersion: '1', generation: 1 }),
    ),
    true,
  );
  assert.equal(pipelineNeedsReconcile(obj({ resourceVersion: '1' }), undefined), true);
});

test('node heartbeats do not re-plan; cordon, GPU count and labels do', () => {
  const node = obj(
    { name: 'n', labels: { a: '1' } },
    { spec: {}, status: { allocatable: { 'nvidia.com/gpu': '4' } } },
  );
  const heartbeat = { ...node, status: { ...(node.status as object), conditions: [{ type: 'Ready' }] } };
  assert.equal(nodeChangeMatters(heartbeat, node, false), false);
  assert.equal(nodeChangeMatters({ ...node, spec: { unschedulable: true } }, node, false), true);
  assert.equal(nodeChangeMatters(node, node, true), true);
});

test('the session index finds the pipelines that reference a session', () => {
  const index = createSessionIndex();
  const spec = (names: string[]) => ({ spec: { stages: names.map((name) => ({ sessionRef: { name } })) } });
  index.update('ns/a', obj({ name: 'a' }, spec(['s1', 's2'])));
  index.update('ns/b', obj({ name: 'b' }, spec(['s2'])));
  assert.deepEqual(index.pipelinesOf('ns/s2'), ['ns/a', 'ns/b']);
  index.update('ns/a', obj({ name: 'a' }, spec(['s1'])));
  assert.deepEqual(index.pipelinesOf('ns/s2'), ['ns/b']);
  index.update('ns/b', undefined);
  assert.deepEqual(index.pipelinesOf('ns/s2'), []);
});

test('a Deployment leads to every pipeline that owns it (a shared backend group has several)', () => {
  const owner = (name: string, controller: boolean) => ({
    apiVersion: 'serving.vpo.dev/v1alpha1',
    kind: 'VideoPipeline',
    name,
    uid: `u-${name}`,
    controller,
  });
  assert.deepEqual(ownerPipelineKeys(obj({ name: 'd', ownerReferences: [owner('p', true)] })), ['ns/p']);
  assert.deepEqual(
    ownerPipelineKeys(obj({ name: 'g', ownerReferences: [owner('a', false), owner('b', false)] })),
    ['ns/a', 'ns/b'],
  );
  assert.deepEqual(ownerPipelineKeys(obj({ name: 'd' })), []);
});
