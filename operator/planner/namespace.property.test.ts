// Properties of planning a namespace's pipelines together, over random namespaces (1–5 pipelines
// of 1–3 stages, some sharing a model, random profiles, loads and SLOs): every pipeline's plan
// keeps the invariants a plan alone keeps (duty cycles, budgets, memory, capacity, lower bound);
// the namespace needs no more GPUs than the pipelines planned one by one; shares add up; and a
// re-plan after adding a pipeline keeps every group of the others (unless keeping them would cost
// more than the re-pack slack). Run counts are modest: the suite shares two cores.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { gpuNode, pipeline, previousOf } from './fixtures.test-support.ts';
import { planNamespace } from './namespace.ts';
import { planPipeline } from './plan.ts';
import { repackSlackGpus } from './pool-pack.ts';
import { buildProfile } from './profile.ts';
import type { NamespacePlan, NamespacePlanRequest, PlannerPipeline, PlannerSession } from './types.ts';

const MIB = 16_000;
const EPS = 1e-9;
const nodes = [gpuNode('n', 'T4', 100_000, MIB)];

const sessionArb = (name: string) =>
  fc
    .record({
      fixedMs: fc.double({ min: 0.5, max: 60, noNaN: true }),
      perItemMs: fc.double({ min: 0.05, max: 20, noNaN: true }),
      maxBatchSize: fc.integer({ min: 1, max: 64 }),
      baseMiB: fc.integer({ min: 100, max: 6000 }),
      perItemMiB: fc.integer({ min: 0, max: 400 }),
    })
    .map(
      (s): PlannerSession => ({
        name,
        maxBatchSize: s.maxBatchSize,
        profiles: [
          {
            gpuProduct: 'T4',
            points: [1, s.maxBatchSize].map((b) => ({
              batchSize: b,
              latencyMicros: Math.round((s.fixedMs + s.perItemMs * b) * 1000),
              memoryMiB: s.baseMiB + s.perItemMiB * b,
            })),
          },
        ],
      }),
    );

const pipelineArb = (name: string) =>
  fc
    .record({
      stages: fc.integer({ min: 1, max: 3 }),
      join: fc.boolean(),
      models: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 3, maxLength: 3 }),
      videosPerSecond: fc.double({ min: 0.05, max: 200, noNaN: true }),
      sloMs: fc.integer({ min: 100, max: 5000 }),
    })
    .map((p): PlannerPipeline => {
      const stages = Array.from({ length: p.stages }, (_, i) => ({
        name: `st${i}`,
        session: `m${p.models[i]}`,
        inputs: i === 0 ? ['source'] : p.join && i === 2 ? ['st0', 'st1'] : ['source'],
        fanOut: 1,
      }));
      return pipeline(name, stages, { videosPerSecond: p.videosPerSecond, sloMs: p.sloMs });
    });

const namespaceArb = fc.record({
  sessions: fc.tuple(sessionArb('m0'), sessionArb('m1'), sessionArb('m2'), sessionArb('m3')),
  pipelines: fc
    .array(fc.nat(), { minLength: 1, maxLength: 5 })
    .chain((xs) => fc.tuple(...xs.map((_, i) => pipelineArb(`p${i}`)))),
  extra: pipelineArb('zz-new'),
});

function checkPipelines(request: NamespacePlanRequest, ns: NamespacePlan): void {
  const profiles = new Map(request.sessions.map((s) => [s.name, buildProfile(s, 'T4', MIB)]));
  const budget = new Map<string, number>();
  for (const { name, outcome } of ns.pipelines) {
    if (outcome.ok) for (const s of outcome.plan.stages) budget.set(`${name}/${s.name}`, s.latencyBudgetMs);
  }
  for (const b of ns.backends) {
    const sessions = b.sessions.map((s) => {
      const built = profiles.get(s.session)!;
      assert.ok(built.ok);
      return { s, profile: built.profile };
    });
    const busy = sessions.reduce((n, { s, profile }) => n + profile.latencyMicros[s.batchSize]!, 0);
    assert.ok(busy <= b.dutyCycleMicros * (1 + EPS), `${b.name}: Σℓ ${busy} > duty ${b.dutyCycleMicros}`);
    const memory = sessions.reduce((n, { s, profile }) => n + profile.memoryMiB[s.batchSize]!, 0);
    assert.ok(memory <= MIB, `${b.name}: memory ${memory}`);
    for (const { s, profile } of sessions) {
      const l = profile.latencyMicros[s.batchSize]!;
      const worst = b.saturated ? 2 * l : b.dutyCycleMicros + l;
      const limit = budget.get(`${s.pipeline}/${s.stage}`)! * 1000;
      assert.ok(worst <= limit * (1 + EPS), `${b.name} ${s.pipeline}/${s.stage}: worst ${worst} > ${limit}`);
    }
    assert.deepEqual(b.pipelines, [...new Set(b.sessions.map((s) => s.pipeline))].sort());
  }
  let shares = 0;
  for (const { name, outcome } of ns.pipelines) {
    if (!outcome.ok) {
      assert.ok(['Infeasible', 'InsufficientGPUs'].includes(outcome.reason), outcome.message);
      continue;
    }
    const plan = outcome.plan;
    for (const s of plan.stages) assert.ok(s.capacityVps >= s.rateVps * (1 - 1e-6), `${name}/${s.name}`);
    assert.ok(plan.gpus >= Math.ceil(plan.lowerBoundGpus - 1e-6));
    assert.ok(plan.backends.every((b) => b.pipelines.includes(name)));
    shares += plan.gpuShare;
  }
  assert.ok(Math.abs(shares - ns.totals.gpus) < 1e-6, `Σ shares ${shares} vs ${ns.totals.gpus}`);
  assert.equal(
    ns.totals.gpus,
    ns.backends.reduce((n, b) => n + b.replicas, 0),
  );
}

describe('planNamespace properties', () => {
  it('keeps every pipeline invariant, needs no more GPUs than planning alone, and keeps untouched groups', () => {
    fc.assert(
      fc.property(namespaceArb, ({ sessions, pipelines, extra }) => {
        const request: NamespacePlanRequest = { namespace: 'media', pipelines, sessions, nodes };
        const ns = planNamespace(request);
        assert.equal(JSON.stringify(planNamespace(request)), JSON.stringify(ns), 'deterministic');
        checkPipelines(request, ns);
        // Joint ≤ the sum of separate plans, each made by planPipeline on its own.
        const separate = pipelines.reduce((n, p) => {
          const alone = planPipeline({ pipeline: p, sessions, nodes });
          return n + (alone.ok ? alone.plan.gpus : 0);
        }, 0);
        assert.ok(ns.totals.gpus <= separate, `joint ${ns.totals.gpus} > separate ${separate}`);
        // Adding a pipeline: the others' groups stay, unless the pool had to be re-packed.
        const more = { ...request, pipelines: [...pipelines, extra], previous: previousOf(ns) };
        const next = planNamespace(more);
        checkPipelines(more, next);
        const pool = next.pools.find((p) => p.pipelines.some((x) => x !== 'zz-new'));
        if (pool?.mode === 'kept') {
          for (const group of ns.backends) {
            assert.deepEqual(
              next.backends.find((b) => b.name === group.name),
              group,
              `${group.name} changed`,
            );
          }
        } else if (pool) {
          // Keeping was tried whenever the last plan had packed groups to keep, and lost on GPUs.
          const keepable = ns.backends.some((b) => !b.saturated && b.replicas === 1);
          assert.ok(!keepable || pool.keptGpus !== undefined, "the last plan's groups were not tried");
          if (pool.keptGpus === undefined) return;
          assert.ok(
            pool.keptGpus > pool.freshGpus + repackSlackGpus(pool.freshGpus) ||
              pool.keptGpus > pool.aloneGpus,
            JSON.stringify(pool),
          );
        }
      }),
      { numRuns: 60, seed: 20_261_204 },
    );
  });
});
