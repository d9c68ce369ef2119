import assert from 'node:assert/strict';
import { test } from 'node:test';
import { textConfig } from '../executor/fixtures.test-support.ts';
import { hostedGathers, hostedStages } from './hosted-pipelines.ts';

test('a gather runs beside its input stage, or where --stages names it', () => {
  const config = {
    ...textConfig(),
    backends: [
      {
        name: 'b0',
        gpuProduct: 'cpu',
        replicas: 1,
        dutyCycleMicros: 1,
        occupancy: 0.5,
        planGeneration: 1,
        sessions: [{ stage: 'detect', session: 'd', batchSize: 1, rateVps: 1 }],
      },
      {
        name: 'b1',
        gpuProduct: 'cpu',
        replicas: 1,
        dutyCycleMicros: 1,
        occupancy: 0.5,
        planGeneration: 1,
        sessions: [{ stage: 'read', session: 'r', batchSize: 1, rateVps: 8 }],
      },
    ],
  };
  const of = (selection: { stages?: string[]; backend?: string }) => {
    const stages = hostedStages(config, selection);
    return [stages, hostedGathers(config, selection, stages)];
  };
  assert.deepEqual(of({}), [['detect', 'read'], ['collect']]);
  assert.deepEqual(of({ backend: 'b0' }), [['detect'], []]);
  assert.deepEqual(of({ backend: 'b1' }), [['read'], ['collect']]);
  assert.deepEqual(of({ stages: ['collect'] }), [[], ['collect']]);
  assert.deepEqual(of({ stages: ['detect'] }), [['detect'], []]);
  assert.throws(() => of({ stages: ['nope'] }), /unknown stage\(s\) nope \(stages: detect, read, collect\)/);
});
