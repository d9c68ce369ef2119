import assert from 'node:assert/strict';
import { test } from 'node:test';
import { availability } from './children.ts';

const deployment = (replicas: number, available: number, generation = 1, observed = 1) => ({
  metadata: { name: 'g', generation },
  spec: { replicas },
  status: { availableReplicas: available, observedGeneration: observed },
});

test("a group's pods count against the plan, not the cached Deployment", () => {
  // The cache still shows the Deployment before the namespace reconcile grew it to 4.
  assert.deepEqual(availability(deployment(2, 2), 'g', 4), { name: 'g', replicas: 4, available: 2 });
  assert.deepEqual(availability(deployment(4, 4), 'g', 4), { name: 'g', replicas: 4, available: 4 });
  // Not yet observed by the Deployment controller: nothing counts as available.
  assert.equal(availability(deployment(4, 4, 3, 2), 'g', 4).available, 0);
  assert.deepEqual(availability(undefined, 'g', 1), { name: 'g', replicas: 1, available: 0 });
});
