// Plans a pipeline for this machine, as the embedded mode runs it: the local CPU (or the chosen
// provider's device) is the inventory, the sessions' profiles for that device are the costs. A
// session without such a profile, or every session when `remeasure` is set, is measured first
// with the inference adapter. The plan is made for the load this machine can sustain: the
// manifest's target load, lowered to the predicted capacity (the slower of ingest and the
// slowest stage) when the machine cannot reach the target, so batches are sized for the rate
// that will actually arrive; each stage's batch cap is then raised to what a saturated device
// runs (saturated-batch.ts), so batching kicks in when queues fill. The notes say what changed.
import os from 'node:os';
import type { ModelSession, VideoPipeline } from '../contract/crd-types.generated.ts';
import type { ExecutionProvider, RuntimeConfig } from '../contract/runtime-config.ts';
import { toPlanRequest } from '../operator/api/to-planner.ts';
import { planPipeline } from '../operator/planner/plan.ts';
import type { GpuNode, Plan, PlanRequest } from '../operator/planner/types.ts';
import { runtimeConfigFromPlan } from '../operator/render/runtime-config.ts';
import type { DecodeProbe } from './ingest-probe.ts';
import { type CapacityPrediction, predictCapacity } from './prediction.ts';
import { withSaturatedBatches } from './saturated-batch.ts';

export interface LocalPlanInput {
  pipeline: VideoPipeline;
  sessions: ModelSession[];
  provider: ExecutionProvider;
  /** Device product the profiles are read for ("cpu" for the CPU). */
  product: string;
  /** Devices to plan onto (CPU: one per core). */
  devices: number;
  /** Measure every session on this machine, even those with a profile for `product`. */
  remeasure?: boolean;
  /** Measures a session on this machine. */
  measure(session: ModelSession): Promise<{ batchSize: number; latencyMicros: number }[]>;
  /** Measures decoding on this machine with the pipeline's ingest settings; without it (or when
   * it gives nothing) only the stages bound the prediction. */
  probeIngest?(config: RuntimeConfig): Promise<DecodeProbe | undefined>;
}

export interface LocalPlan {
  plan: Plan;
  config: RuntimeConfig;
  /** Planned load, videos per second (after peakFactor), and what was changed to get a plan. */
  plannedVps: number;
  prediction: CapacityPrediction;
  decode?: DecodeProbe;
  notes: string[];
}

export function localNode(product: string, devices: number): GpuNode {
  return {
    name: os.hostname() || 'local',
    product,
    gpus: devices,
    memoryMiB: Math.floor(os.totalmem() / 2 ** 20),
    labels: { 'nvidia.com/gpu.product': product },
    unschedulable: false,
  };
}

const maxHalvings = 16;

function withLoad(request: PlanRequest, factor: number): PlanRequest {
  return {
    ...request,
    pipeline: { ...request.pipeline, videosPerSecond: request.pipeline.videosPerSecond * factor },
  };
}

/** The sessions with a profile for `product`: the manifest's, or measured here (kept in status). */
async function profiledSessions(input: LocalPlanInput, notes: string[]): Promise<ModelSession[]> {
  const sessions: ModelSession[] = [];
  for (const session of input.sessions) {
    const profiles = [...(session.spec.profiles ?? []), ...(session.status?.profiles ?? [])];
    if (!input.remeasure && profiles.some((p) => p.gpuProduct === input.product)) {
      sessions.push(session);
      continue;
    }
    const points = await input.measure(session);
    notes.push(
      `measured ${session.metadata.name} on ${input.product}: ${points.map((p) => `b${p.batchSize}=${p.latencyMicros}µs`).join(' ')}`,
    );
    // Status profiles override spec profiles for the same product (operator/api/to-planner.ts).
    const others = (session.status?.profiles ?? []).filter((p) => p.gpuProduct !== input.product);
    const status = { ...session.status, profiles: [...others, { gpuProduct: input.product, points }] };
    sessions.push({ ...session, status });
  }
  return sessions;
}

function planAt(request: PlanRequest, factor: number, name: string) {
  let f = factor;
  let outcome = planPipeline(withLoad(request, f));
  // Too few local devices for the load: plan for less (other reasons do not depend on load).
  for (let i = 0; !outcome.ok && outcome.reason === 'InsufficientGPUs' && i < maxHalvings; i++) {
    f /= 2;
    outcome = planPipeline(withLoad(request, f));
  }
  if (!outcome.ok && !outcome.plan) {
    throw new Error(`cannot plan ${name} on this machine: ${outcome.reason}: ${outcome.message}`);
  }
  return { outcome, plan: outcome.plan!, factor: f, fromCapacity: false };
}

export async function planLocally(input: LocalPlanInput): Promise<LocalPlan> {
  const notes: string[] = [];
  const sessions = await profiledSessions(input, notes);
  const request = toPlanRequest(input.pipeline, sessions, [localNode(input.product, input.devices)]);
  const name = input.pipeline.metadata.name;
  const targetVps = request.pipeline.videosPerSecond * request.pipeline.peakFactor;
  const configOf = (plan: Plan) =>
    runtimeConfigFromPlan(input.pipeline, sessions, plan, { executionProvider: input.provider });
  let planned = planAt(request, 1, name);
  // Ingest settings (sampling, limits) do not depend on the plan: any plan's config will do.
  const decode = await input.probeIngest?.(configOf(planned.plan));
  let prediction = predictCapacity(planned.plan, decode?.capacityVps);
  // The machine cannot sustain the target: plan for what it can, so that the batch sizes are
  // those of the rate that will arrive when its queues fill, not of a rate it never reaches.
  if (prediction.capacityVps > 0 && prediction.capacityVps < targetVps * planned.factor) {
    const atCapacity = planAt(request, prediction.capacityVps / targetVps, name);
    if (atCapacity.outcome.ok || !planned.outcome.ok) {
      planned = { ...atCapacity, fromCapacity: true };
      prediction = predictCapacity(planned.plan, decode?.capacityVps);
      notes.push(
        `planned at the predicted capacity ${prediction.capacityVps.toFixed(2)} videos/s (target ${targetVps.toFixed(2)})`,
      );
    }
  }
  const { outcome, plan, factor } = planned;
  if (!outcome.ok) notes.push(`${outcome.reason}: ${outcome.message}; running with the best plan found`);
  else if (factor < 1 && !planned.fromCapacity) notes.push(`load scaled by ${factor} to fit this machine`);
  const maxBatch = new Map(sessions.map((s) => [s.metadata.name, s.spec.batching.maxBatchSize]));
  const { config, raised } = withSaturatedBatches(configOf(plan), (s) => maxBatch.get(s) ?? 1);
  if (raised.length > 0) notes.push(`batch caps raised to the saturated batch: ${raised.join(', ')}`);
  return {
    plan,
    config,
    plannedVps: targetVps * factor,
    prediction,
    ...(decode ? { decode } : {}),
    notes,
  };
}
