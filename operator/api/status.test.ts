import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Condition } from '../../contract/crd-types.generated.ts';
import type { Plan } from '../planner/types.ts';
import { loadCrds } from './crds.ts';
import { validateSchema } from './schema-validate.ts';
import { planStatus, planToStatus, setCondition, targetStatus } from './status.ts';

const plan: Plan = {
  gpus: 3,
  gpuShare: 2.5,
  gpusAlone: 3,
  sharedWith: [],
  gpuProduct: 'NVIDIA-A100-SXM4-80GB',
  lowerBoundGpus: 1.8517,
  stages: [
    {
      name: 'scene',
      session: 'scene-classifier',
      latencyBudgetMs: 1602.4,
      rateVps: 11.5741,
      capacityVps: 12.4,
      gpuShare: 0.7312,
      replicas: 1,
      batchSize: 10,
    },
  ],
  backends: [
    {
      name: 'vc-b0',
      gpuProduct: 'NVIDIA-A100-SXM4-80GB',
      replicas: 1,
      dutyCycleMicros: 864000.4,
      occupancy: 0.7399,
      memoryMiB: 2464,
      saturated: false,
      pipelines: ['vc'],
      sessions: [{ pipeline: 'vc', stage: 'scene', session: 'scene-classifier', batchSize: 10, rateVps: 3 }],
    },
  ],
  ingest: { replicas: 2, capacityVps: 4 },
  explanation: 'because',
};

test('planToStatus writes decimals as quantity strings and keeps integers', () => {
  const s = planToStatus(plan);
  assert.equal(s.gpus, 3);
  assert.equal(s.lowerBoundGpus, '1.85');
  assert.deepEqual(s.stages?.[0], {
    name: 'scene',
    session: 'scene-classifier',
    latencyBudgetMs: 1602,
    rateVps: '11.57',
    capacityVps: '12.4',
    gpuShare: '0.73',
    replicas: 1,
    batchSize: 10,
  });
  assert.equal(s.backends?.[0]?.occupancy, '0.74');
  assert.equal(s.backends?.[0]?.dutyCycleMicros, 864000);
  assert.equal(s.backends?.[0]?.sessions[0]?.rateVps, '3');
  assert.deepEqual(s.ingest, { replicas: 2, capacityVps: '4' });
  assert.equal(s.explanation, 'because');
});

const t0 = '2025-01-01T00:00:00Z';
const t1 = '2025-01-02T00:00:00Z';

test('setCondition moves lastTransitionTime only when status flips', () => {
  const base = { type: 'Planned' as const, reason: 'Planned' as const, message: 'a', observedGeneration: 1 };
  let c: Condition[] = setCondition([], { ...base, status: 'True' }, t0);
  assert.equal(c[0]?.lastTransitionTime, t0);
  c = setCondition(c, { ...base, status: 'True', message: 'b', observedGeneration: 2 }, t1);
  assert.equal(c[0]?.lastTransitionTime, t0);
  assert.equal(c[0]?.message, 'b');
  assert.equal(c[0]?.observedGeneration, 2);
  c = setCondition(c, { ...base, status: 'False', reason: 'Infeasible' }, t1);
  assert.equal(c[0]?.lastTransitionTime, t1);
  assert.equal(c.length, 1);
});

test('setCondition is pure and keeps the order of other conditions', () => {
  const existing: Condition[] = [
    { type: 'Ready', status: 'False', reason: 'NotPlanned', message: '', lastTransitionTime: t0 },
    { type: 'Planned', status: 'True', reason: 'Planned', message: '', lastTransitionTime: t0 },
  ];
  const copy = structuredClone(existing);
  const next = setCondition(
    existing,
    { type: 'Planned', status: 'False', reason: 'Infeasible', message: 'm' },
    t1,
  );
  assert.deepEqual(existing, copy);
  assert.deepEqual(
    next.map((c) => c.type),
    ['Ready', 'Planned'],
  );
  const added = setCondition(
    existing,
    { type: 'Degraded', status: 'False', reason: 'AsPlanned', message: '' },
    t1,
  );
  assert.deepEqual(
    added.map((c) => c.type),
    ['Ready', 'Planned', 'Degraded'],
  );
});

test('planStatus: Planned=True with the plan, or Planned=False with the reason and no plan', () => {
  const ok = planStatus({ ok: true, plan }, 4, [], t0);
  assert.equal(ok.plan?.gpus, 3);
  assert.equal(ok.conditions[0]?.status, 'True');
  assert.equal(ok.conditions[0]?.observedGeneration, 4);
  assert.match(ok.conditions[0]?.message ?? '', /3 GPU\(s\) of NVIDIA-A100-SXM4-80GB; lower bound 1\.85/);
  const bad = planStatus(
    { ok: false, reason: 'InsufficientGPUs', message: 'needs 9, 4 available', plan },
    undefined,
    [],
    t0,
  );
  assert.equal(bad.plan, undefined);
  assert.deepEqual(bad.conditions[0], {
    type: 'Planned',
    status: 'False',
    reason: 'InsufficientGPUs',
    message: 'needs 9, 4 available',
    lastTransitionTime: t0,
  });
});

test('what planStatus writes is valid against the CRD status schema', () => {
  const crd = loadCrds().find((c) => c.kind === 'VideoPipeline')!;
  const statusSchema = crd.schema.properties!.status!;
  const ok = planStatus({ ok: true, plan }, 4, [], t0);
  assert.equal(validateSchema(statusSchema, { ...ok, target: targetStatus(500000 / 86400) }), undefined);
  assert.deepEqual(targetStatus(500000 / 86400), { videosPerSecond: '5.79' });
  const broken = { ...ok, plan: { ...ok.plan, gpus: 2.5 } };
  assert.match(validateSchema(statusSchema, broken) ?? '', /plan\.gpus: must be an integer/);
});
