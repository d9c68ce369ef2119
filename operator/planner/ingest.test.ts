import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gpuNode, linearSession, pipeline, request, stage } from './fixtures.test-support.ts';
import { planIngest } from './ingest.ts';
import { planPipeline } from './plan.ts';

const at = (videosPerSecond: number, overrides = {}) =>
  pipeline(
    'p',
    [stage('a')],
    { videosPerSecond, sloMs: 10_000, peakFactor: 2 },
    {
      ingestAllowanceMs: 1000,
      ...overrides,
    },
  );

test('ingest pods: the planned source rate over concurrency / allowance per pod, rounded up', () => {
  // 4 at once, 1 s each: 4 videos/s per pod.
  assert.deepEqual(planIngest([at(1)]), { replicas: 1, capacityVps: 4 });
  assert.deepEqual(planIngest([at(2)]), { replicas: 1, capacityVps: 4 }, 'exactly one pod of work: one pod');
  assert.deepEqual(planIngest([at(5.79)]), { replicas: 3, capacityVps: 4 }, '11.58 videos/s');
  assert.deepEqual(planIngest([at(5.79, { ingestConcurrency: 8 })]), { replicas: 2, capacityVps: 8 });
  assert.deepEqual(planIngest([at(5.79, { ingestAllowanceMs: 4000 })]), { replicas: 12, capacityVps: 1 });
  assert.deepEqual(planIngest([at(0.001)]), { replicas: 1, capacityVps: 4 }, 'never fewer than one');
  assert.deepEqual(
    planIngest([at(5, { ingestAllowanceMs: 0 })]),
    { replicas: 1 },
    'no allowance: no capacity',
  );
  assert.deepEqual(planIngest([at(5.79), at(1)]), { replicas: 4 }, 'pipelines planned together add up');
});

test('the plan carries its ingest pods and explains them', () => {
  const sessions = [linearSession('a', 'A100', 10, 5, 8)];
  const outcome = planPipeline(request(at(5.79), sessions, [gpuNode('n', 'A100', 4, 80_000)]));
  assert.ok(outcome.ok, JSON.stringify(outcome));
  assert.deepEqual(outcome.plan.ingest, { replicas: 3, capacityVps: 4 });
  assert.match(
    outcome.plan.explanation,
    /Ingest: 11\.58 videos\/s at 4\.00\/s per pod \(4 at once, 1000 ms each\) → 3 pod\(s\)\./,
  );
});
