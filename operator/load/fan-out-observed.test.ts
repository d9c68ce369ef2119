import assert from 'node:assert/strict';
import { test } from 'node:test';
import { textPipeline } from '../api/text-pipeline.test-support.ts';
import { fanOutTopics, observeFanOut } from './fan-out-observed.ts';

test('observed fanOut: downstream messages over inputs; a hint beyond 2× the declared value', () => {
  const topics = fanOutTopics(textPipeline(), (s) => `t.${s}`);
  assert.deepEqual(topics, [
    { stage: 'detect', topic: 't.detect', downstreamTopic: 't.read', declared: 6 },
    { stage: 'read', topic: 't.read', downstreamTopic: 't.collect', declared: 1 },
  ]);
  const grown = (counts: Record<string, number>) => (t: string) => counts[t] ?? 0;
  const near = observeFanOut(topics, grown({ 't.detect': 10, 't.read': 40, 't.collect': 40 }));
  assert.deepEqual(near, [
    { stage: 'detect', declared: 6, observed: 4 },
    { stage: 'read', declared: 1, observed: 1 },
  ]);
  const far = observeFanOut(topics, grown({ 't.detect': 10, 't.read': 250, 't.collect': 250 }));
  assert.match(far[0]?.hint ?? '', /stage detect emits 25.00 outputs per input, the plan assumes fanOut 6/);
  const few = observeFanOut(topics, grown({ 't.detect': 2, 't.read': 2, 't.collect': 2 }));
  assert.deepEqual(few, [], 'too few inputs in the window');
  // A join's topic takes several inputs: not measured.
  const join = fanOutTopics(
    {
      ...textPipeline(),
      spec: {
        ...textPipeline().spec,
        stages: [
          { name: 'a', sessionRef: { name: 'x' } },
          { name: 'b', sessionRef: { name: 'x' } },
          { name: 'j', sessionRef: { name: 'x' }, inputs: ['a', 'b'] },
        ],
      },
    },
    (s) => s,
  );
  assert.deepEqual(join, []);
});
