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

test('with a measured CPU cost per video, pods are sized by it and the explanation names the figure', () => {
  const measured = {
    ingestCost: {
      cpuMillisPerVideo: 250,
      costBasis: 'the mean of the ingestProfile',
      shareBasis: '2 × the slowest video of the ingestProfile, 400 ms CPU',
    },
    ingestAllowanceMs: 800,
  };
  // 4 at once, 250 ms CPU each: 16 videos/s per pod; 11.58 videos/s → 1 pod.
  assert.deepEqual(planIngest([at(5.79, measured)]), { replicas: 1, capacityVps: 16 });
  const sessions = [linearSession('a', 'A100', 10, 5, 8)];
  const outcome = planPipeline(request(at(5.79, measured), sessions, [gpuNode('n', 'A100', 4, 80_000)]));
  assert.ok(outcome.ok, JSON.stringify(outcome));
  assert.match(
    outcome.plan.explanation,
    /− ingest 800 ms \(2 × the slowest video of the ingestProfile, 400 ms CPU\)/,
  );
  assert.match(
    outcome.plan.explanation,
    /\(4 at once, 250 ms CPU each: the mean of the ingestProfile\) → 1 pod\(s\)/,
  );
});

test('an SLO that cannot cover the measured ingest is Infeasible, and the message says which figure', () => {
  const slow = {
    ingestCost: {
      cpuMillisPerVideo: 3000,
      costBasis: 'mean',
      shareBasis: '2 × the slowest video of the ingestProfile, 6000 ms CPU',
    },
    ingestAllowanceMs: 12_000,
  };
  const sessions = [linearSession('a', 'A100', 10, 5, 8)];
  const outcome = planPipeline(request(at(1, slow), sessions, [gpuNode('n', 'A100', 4, 80_000)]));
  assert.equal(outcome.ok, false);
  assert.match(
    JSON.stringify(outcome),
    /SLO 10000 ms leaves -2000 ms after ingest 12000 ms \(2 × the slowest video of the ingestProfile, 6000 ms CPU\)/,
  );
});
