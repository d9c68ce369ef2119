import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackendGroupPlan, Plan } from '../planner/types.ts';
import { type PreviousGroup, stabiliseGroupNames } from './stable-groups.ts';

const group = (name: string, stages: string[], replicas: number, product = 'A100'): BackendGroupPlan => ({
  name,
  gpuProduct: product,
  replicas,
  dutyCycleMicros: 1000,
  occupancy: 0.5,
  memoryMiB: 100,
  sessions: stages.map((stage) => ({ stage, session: stage, batchSize: 4, rateVps: 1 })),
});
const plan = (backends: BackendGroupPlan[]): Plan => ({
  gpus: backends.reduce((n, b) => n + b.replicas, 0),
  gpuProduct: 'A100',
  lowerBoundGpus: 1,
  stages: [],
  backends,
  ingest: { replicas: 1 },
  explanation: '',
});
const prev = (name: string, stages: string[], replicas = 1, occupancy = 0.5): PreviousGroup => ({
  name,
  gpuProduct: 'A100',
  replicas,
  occupancy,
  stages,
});

test('a group with the same sessions keeps its name even when the planner renumbers', () => {
  const previous = [prev('p-b0', ['scene']), prev('p-b1', ['motion', 'fusion'])];
  const next = plan([group('p-b0', ['fusion', 'motion'], 2), group('p-b1', ['scene'], 3)]);
  const out = stabiliseGroupNames(previous, next, 'p');
  assert.deepEqual(
    out.backends.map((b) => [b.name, b.replicas]),
    [
      ['p-b1', 2],
      ['p-b0', 3],
    ],
  );
});

test('new groups get fresh names that never collide with kept ones', () => {
  const previous = [prev('p-b0', ['scene'])];
  const next = plan([group('p-b0', ['motion'], 1), group('p-b1', ['scene'], 1)]);
  const out = stabiliseGroupNames(previous, next, 'p');
  assert.deepEqual(
    out.backends.map((b) => b.name),
    ['p-b1', 'p-b0'],
  );
});

test('when two previous groups match one new group, the most used keeps its name', () => {
  const previous = [prev('p-b0', ['scene'], 1, 0.2), prev('p-b1', ['scene'], 3, 0.9)];
  const out = stabiliseGroupNames(previous, plan([group('p-b0', ['scene'], 4)]), 'p');
  assert.deepEqual(
    out.backends.map((b) => b.name),
    ['p-b1'],
  );
});

test('another product is another group', () => {
  const out = stabiliseGroupNames([prev('p-b0', ['scene'])], plan([group('p-b0', ['scene'], 1, 'T4')]), 'p');
  assert.equal(out.backends[0]!.name, 'p-b1');
});
