import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GpuGroup } from './backends.ts';
import { linearSession } from './fixtures.test-support.ts';
import { GroupNamer } from './group-names.ts';
import { STEADY } from './headroom.ts';
import { buildProfile } from './profile.ts';
import type { PlannedGpu, StageTask } from './saturate.ts';
import type { PreviousGroup } from './types.ts';

const built = buildProfile(linearSession('m', 'A100', 1, 1, 8), 'A100', 80_000);
assert.ok(built.ok);
const task = (pipeline: string, stage: string): StageTask => ({
  key: `ns/${pipeline}/${stage}`,
  arrivals: STEADY,
  pipeline,
  stage,
  session: 'm',
  profile: built.profile,
  rateVps: 1,
  budgetMs: 100,
});
const group = (members: [string, string][], replicas = 1): { group: GpuGroup } => {
  const gpu: PlannedGpu = {
    dutyCycleMicros: 50_000,
    saturated: false,
    placements: members.map(([p, s]) => ({ task: task(p, s), batchSize: 1, rateVps: 1 })),
  };
  return { group: { gpu, replicas } };
};
const prev = (
  name: string,
  members: [string, string][],
  replicas = 1,
  occupancy = 0.5,
  gpuProduct = 'A100',
): PreviousGroup => ({
  name,
  gpuProduct,
  replicas,
  occupancy,
  saturated: false,
  members: members.map(([pipeline, stage]) => ({ pipeline, stage })),
});

test('a group hosting the same stages on the same product keeps its name, whatever the order', () => {
  const namer = new GroupNamer([
    prev('p-b0', [['p', 'scene']]),
    prev('p-b1', [
      ['p', 'motion'],
      ['p', 'fusion'],
    ]),
  ]);
  const names = namer.name(
    [
      group(
        [
          ['p', 'fusion'],
          ['p', 'motion'],
        ],
        2,
      ),
      group([['p', 'scene']], 3),
    ],
    'A100',
  );
  assert.deepEqual(names, ['p-b1', 'p-b0']);
});

test('new groups get fresh names that never reuse a previous one', () => {
  const namer = new GroupNamer([prev('p-b0', [['p', 'scene']])]);
  assert.deepEqual(namer.name([group([['p', 'motion']]), group([['p', 'scene']])], 'A100'), ['p-b1', 'p-b0']);
});

test('when two previous groups match one new group, the most used keeps its name', () => {
  const namer = new GroupNamer([
    prev('p-b0', [['p', 'scene']], 1, 0.2),
    prev('p-b1', [['p', 'scene']], 3, 0.9),
  ]);
  assert.deepEqual(namer.name([group([['p', 'scene']], 4)], 'A100'), ['p-b1']);
});

test('another product is another group', () => {
  const namer = new GroupNamer([prev('p-b0', [['p', 'scene']])]);
  assert.deepEqual(namer.name([group([['p', 'scene']])], 'T4'), ['p-b1']);
});

test('a group serving several pipelines is shared-b<i>; kept names are never handed out again', () => {
  const namer = new GroupNamer(
    [
      prev('shared-b0', [
        ['a', 'x'],
        ['b', 'y'],
      ]),
    ],
    ['shared-b0'],
  );
  const names = namer.name(
    [
      group([
        ['a', 'x'],
        ['b', 'y'],
      ]),
      group([
        ['c', 'z'],
        ['d', 'z'],
      ]),
      { ...group([['e', 'z']]), name: 'shared-b0' },
    ],
    'A100',
  );
  assert.deepEqual(names, ['shared-b1', 'shared-b2', 'shared-b0']);
});
