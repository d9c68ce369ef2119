import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeMemberDeclaration } from '../../contract/member-metadata.ts';
import { planToStatus } from '../api/status.ts';
import { samplePipeline } from '../render/fixtures.test-support.ts';
import { planGeneration } from './plan-generation.ts';
import { planRollout } from './plan-rollout.ts';

test('the generation starts at 1, stays for the same settings and moves by one when they change', () => {
  const { plan } = samplePipeline();
  const first = { ...planToStatus(plan), generation: planGeneration(undefined, planToStatus(plan)) };
  assert.equal(first.generation, 1);
  const reworded = planToStatus({ ...plan, explanation: 'another paragraph' });
  assert.equal(planGeneration(first, reworded), 1, 'the prose is not a setting');
  const rebatched = planToStatus({
    ...plan,
    backends: plan.backends.map((b, i) =>
      i === 0 ? { ...b, dutyCycleMicros: b.dutyCycleMicros + 1000 } : b,
    ),
  });
  assert.equal(planGeneration(first, rebatched), 2);
});

test('the rollout counts pods (not consumers) on the plan`s generation and names the stale ones', () => {
  const member = (pod: string, planGeneration: number) => ({
    userData: encodeMemberDeclaration({ pod, backend: 'b0', rateVps: 1, planGeneration }),
  });
  const rollout = planRollout(
    [
      member('p1', 3),
      member('p1', 3),
      member('p2', 3),
      member('p2', 2),
      member('p3', 3),
      { userData: Buffer.alloc(0) },
    ],
    3,
  );
  assert.deepEqual(rollout, { generation: 3, pods: 3, current: 2, stale: ['p2@2'] });
});
