// Properties every feasible plan must have, over random profiles, rates, SLOs and DAGs (chains,
// fan-out, joins and general DAGs). Run counts are modest: the suite shares two cores.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { gpuNode, pipeline } from './fixtures.test-support.ts';
import { planPipeline } from './plan.ts';
import type { BatchProfile } from './profile.ts';
import { buildProfile } from './profile.ts';
import type { PlannerSession, PlannerStage, PlanRequest } from './types.ts';

const GPU_MEMORY_MIB = 16_000;
const EPS = 1e-9;

const sessionArb = (name: string) =>
  fc
    .record({
      fixedMs: fc.double({ min: 0.5, max: 60, noNaN: true }),
      perItemMs: fc.double({ min: 0.05, max: 20, noNaN: true }),
      maxBatchSize: fc.integer({ min: 1, max: 64 }),
      profiledUpTo: fc.integer({ min: 1, max: 64 }),
      midPoint: fc.boolean(),
      baseMiB: fc.integer({ min: 100, max: 8000 }),
      perItemMiB: fc.integer({ min: 0, max: 800 }),
    })
    .map((s): PlannerSession => {
      const point = (b: number) => ({
        batchSize: b,
        latencyMicros: Math.round((s.fixedMs + s.perItemMs * b) * 1000),
        memoryMiB: s.baseMiB + s.perItemMiB * b,
      });
      const batches = [1, ...(s.midPoint ? [Math.ceil(s.profiledUpTo / 2)] : []), s.profiledUpTo];
      const points = [...new Set(batches)].map(point);
      return { name, maxBatchSize: s.maxBatchSize, profiles: [{ gpuProduct: 'T4', points }] };
    });

/** Stage i reads a random subset of earlier stages (or the source): chains, fan-out, joins, any DAG. */
const dagArb = fc
  .integer({ min: 1, max: 8 })
  .chain((n) =>
    fc.tuple(
      fc.tuple(...Array.from({ length: n }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => j)))),
      fc.array(fc.constantFrom(0.1, 1, 2, 10), { minLength: n, maxLength: n }),
      fc.tuple(...Array.from({ length: n }, (_, i) => sessionArb(`s${i}`))),
    ),
  );

const requestArb = fc
  .record({
    dag: dagArb,
    videosPerSecond: fc.double({ min: 0.01, max: 500, noNaN: true }),
    sloMs: fc.integer({ min: 50, max: 5000 }),
    hopAllowanceMs: fc.integer({ min: 0, max: 20 }),
  })
  .map(({ dag: [inputs, fanOuts, sessions], videosPerSecond, sloMs, hopAllowanceMs }): PlanRequest => {
    const stages = inputs.map(
      (ins, i): PlannerStage => ({
        name: `st${i}`,
        session: `s${i}`,
        inputs: ins.length === 0 ? ['source'] : ins.map((j) => `st${j}`),
        fanOut: fanOuts[i]!,
      }),
    );
    const p = pipeline('prop', stages, { videosPerSecond, sloMs }, { hopAllowanceMs, ingestAllowanceMs: 10 });
    return { pipeline: p, sessions, nodes: [gpuNode('n', 'T4', 100_000, GPU_MEMORY_MIB)] };
  });

function profilesOf(request: PlanRequest): Map<string, BatchProfile> {
  const out = new Map<string, BatchProfile>();
  for (const s of request.sessions) {
    const built = buildProfile(s, 'T4', GPU_MEMORY_MIB);
    if (built.ok) out.set(s.name, built.profile);
  }
  return out;
}

function checkPlan(request: PlanRequest): void {
  const outcome = planPipeline(request);
  assert.deepEqual(planPipeline(request), outcome, 'deterministic');
  assert.equal(JSON.stringify(planPipeline(request)), JSON.stringify(outcome));
  if (!outcome.ok) {
    assert.ok(['Infeasible', 'InsufficientGPUs'].includes(outcome.reason), outcome.message);
    return;
  }
  const { plan } = outcome;
  const profiles = profilesOf(request);
  const stages = new Map(plan.stages.map((s) => [s.name, s]));
  const { pipeline: p } = request;
  for (const backend of plan.backends) {
    const sessions = backend.sessions.map((s) => ({ s, profile: profiles.get(s.session)! }));
    const busy = sessions.reduce((sum, { s, profile }) => sum + profile.latencyMicros[s.batchSize]!, 0);
    assert.ok(busy <= backend.dutyCycleMicros * (1 + EPS), `Σℓ ${busy} > duty ${backend.dutyCycleMicros}`);
    const memory = sessions.reduce((sum, { s, profile }) => sum + profile.memoryMiB[s.batchSize]!, 0);
    assert.ok(memory <= GPU_MEMORY_MIB, `memory ${memory}`);
    for (const { s, profile } of sessions) {
      assert.ok(s.batchSize >= 1 && s.batchSize <= profile.maxBatch);
      const l = profile.latencyMicros[s.batchSize]!;
      const budgetMicros = stages.get(s.stage)!.latencyBudgetMs * 1000;
      const saturated = sessions.length === 1 && backend.dutyCycleMicros === Math.ceil(l);
      const worstMicros = saturated ? 2 * l : backend.dutyCycleMicros + l;
      assert.ok(
        worstMicros <= budgetMicros * (1 + EPS),
        `${s.stage}: worst ${worstMicros} > ${budgetMicros}`,
      );
    }
  }
  assert.equal(
    plan.gpus,
    plan.backends.reduce((s, b) => s + b.replicas, 0),
  );
  for (const s of plan.stages) {
    assert.ok(s.capacityVps >= s.rateVps * (1 - 1e-6), `${s.name}: capacity ${s.capacityVps} < ${s.rateVps}`);
    assert.ok(Number.isInteger(s.latencyBudgetMs));
  }
  // Budgets along every source→sink path fit the usable SLO (longest finish time over stages).
  const finish = new Map<string, number>();
  let depth = 0;
  const depthOf = new Map<string, number>();
  for (const st of p.stages) {
    const ups = st.inputs.filter((i) => i !== 'source');
    finish.set(
      st.name,
      Math.max(0, ...ups.map((u) => finish.get(u)!)) + stages.get(st.name)!.latencyBudgetMs,
    );
    depthOf.set(st.name, Math.max(0, ...ups.map((u) => depthOf.get(u)!)) + 1);
    depth = Math.max(depth, depthOf.get(st.name)!);
  }
  const usableMs = p.sloMs - p.ingestAllowanceMs - p.hopAllowanceMs * depth;
  for (const f of finish.values()) assert.ok(f <= usableMs, `path ${f} ms > usable ${usableMs} ms`);
  assert.ok(plan.gpus >= Math.ceil(plan.lowerBoundGpus - 1e-6), `${plan.gpus} < ⌈${plan.lowerBoundGpus}⌉`);
}

describe('planPipeline properties', () => {
  it('every feasible plan keeps duty cycles, budgets, memory, capacity and the lower bound', () => {
    fc.assert(fc.property(requestArb, checkPlan), { numRuns: 120, seed: 20_240_607 });
  });
});
