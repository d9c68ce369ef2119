import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RuntimeConfig } from '../../contract/runtime-config.ts';
import type { RuntimeFile } from '../../contract/runtime-file.ts';
import { diamondConfig, quietLogger, textConfig } from '../executor/fixtures.test-support.ts';
import { createRuntimeMetrics } from '../metrics.ts';
import { BackendPlan } from './backend-plan.ts';
import { hostedConfig } from './hosted-pipelines.ts';

/** Pipeline `name` of a shared group g: its scene stage on g at `rateVps` per pod, generation `gen`. */
function pipeline(name: string, rateVps: number, gen: number): RuntimeConfig {
  const base = diamondConfig({ pipeline: { namespace: 'ns', name } });
  return {
    ...base,
    stages: base.stages.map((s) => ({ ...s, topic: `${name}.${s.name}` })),
    backends: [
      {
        name: 'g',
        gpuProduct: 'T4',
        replicas: 1,
        dutyCycleMicros: 100_000,
        occupancy: 0.5,
        planGeneration: gen,
        sessions: [{ stage: 'scene', session: 'scene-session', batchSize: 4, rateVps }],
      },
    ],
  };
}

function file(...pipelines: RuntimeConfig[]): RuntimeFile {
  const [first, ...others] = pipelines;
  const settings = {} as RuntimeFile['kafka']['settings'];
  return {
    version: 1,
    runtime: first!,
    ...(others.length > 0
      ? { otherPipelines: others.map((runtime) => ({ runtime, kafkaSettings: settings })) }
      : {}),
    kafka: { brokers: ['127.0.0.1:1'], createTopics: false, settings },
    frameStore: { root: '/frames' },
  } as RuntimeFile;
}

test("a shared group's pod declares each topic with its own pipeline's planned rate and generation", () => {
  const metrics = createRuntimeMetrics();
  const plan = new BackendPlan(file(pipeline('a', 2, 3), pipeline('b', 5, 7)), {
    backend: 'g',
    hosted: (c) => hostedConfig(c, ['scene'], 'g'),
    podId: 'pod-1',
    metrics,
    logger: quietLogger,
  });
  assert.deepEqual(plan.declare('a.scene'), {
    pod: 'pod-1',
    backend: 'g',
    rateVps: 2,
    capacityVps: 40,
    planGeneration: 3,
  });
  assert.equal(plan.declare('b.scene').rateVps, 5);
  assert.equal(plan.declare('b.scene').planGeneration, 7);
  assert.equal(plan.generations, 'a@3, b@7');
});

test("a gather's consumers declare the pod's group and generation, weighed as the gather's input stage", () => {
  const base = textConfig();
  const config: RuntimeConfig = {
    ...base,
    backends: [
      {
        name: 'g',
        gpuProduct: 'T4',
        replicas: 1,
        dutyCycleMicros: 100_000,
        occupancy: 0.5,
        planGeneration: 4,
        sessions: [{ stage: 'read', session: 'read-session', batchSize: 8, rateVps: 3 }],
      },
    ],
  };
  const plan = new BackendPlan(file(config), {
    backend: 'g',
    hosted: (c) => hostedConfig(c, ['read'], 'g'),
    podId: 'pod-1',
    metrics: createRuntimeMetrics(),
    logger: quietLogger,
  });
  // Generation 0 here would show every pod as stale in status.observed.planRollout.
  assert.deepEqual(plan.declare('t.collect'), { pod: 'pod-1', backend: 'g', rateVps: 3, planGeneration: 4 });
});
