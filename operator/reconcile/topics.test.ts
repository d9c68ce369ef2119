import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runtimeFileOf } from '../render/config-map.ts';
import { samplePipeline } from '../render/fixtures.test-support.ts';
import { topicSpecs } from './topics.ts';

test('topics are created with headroom and grow only once the consumers outnumber the partitions', () => {
  const { pipeline, sessions, plan } = samplePipeline();
  const options = { kafkaBootstrap: 'k:9092', frameStoreClaim: 'frames' };
  const specs = topicSpecs(pipeline, runtimeFileOf(pipeline, sessions, plan, options));
  const replicas = Math.max(...plan.stages.map((s) => s.replicas));
  assert.equal(specs.length, pipeline.spec.stages.length + 3, 'source, stages, output, dead letters');
  for (const spec of specs) {
    // Two consumers per stage replica; at least twice that many partitions, at least 4, and
    // enough that motion's pods (9.57/s saturated, 2.00/s packed, planned for Poisson arrivals)
    // get their shares within 2% without rounding either past its capacity: 23 (19 + 4).
    assert.equal(spec.growBelow, 2 * replicas);
    assert.ok(spec.partitions >= Math.max(4, 4 * replicas));
    assert.equal(spec.partitions, 23);
  }
  const doubled = {
    ...plan,
    stages: plan.stages.map((s) => ({ ...s, replicas: 2 * s.replicas })),
    backends: plan.backends.map((b) => ({ ...b, replicas: 2 * b.replicas })),
  };
  const grown = topicSpecs(pipeline, runtimeFileOf(pipeline, sessions, doubled, options))[0]!;
  assert.ok(grown.growBelow! <= specs[0]!.partitions, 'twice the plan fits the first partitions');
});
