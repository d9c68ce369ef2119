// Plans a pipeline for this machine, as the embedded mode runs it: the local CPU (or the chosen
// provider's device) is the inventory, the sessions' profiles for that device are the costs. A
// session without such a profile is measured first with the inference adapter. When the local
// machine cannot serve the manifest's load, the load is halved until a plan fits, and the note
// says so: `vpo run` runs the videos it is given, whatever the target load.
import os from 'node:os';
import { toPlanRequest } from '../../operator/api/to-planner.ts';
import type { ModelSession, VideoPipeline } from '../../operator/api/types.generated.ts';
import { planPipeline } from '../../operator/planner/plan.ts';
import type { GpuNode, Plan, PlanRequest } from '../../operator/planner/types.ts';
import { runtimeConfigFromPlan } from '../config/from-plan.ts';
import type { ExecutionProvider, RuntimeConfig } from '../config/runtime-config.ts';

export interface LocalPlanInput {
  pipeline: VideoPipeline;
  sessions: ModelSession[];
  provider: ExecutionProvider;
  /** Device product the profiles are read for ("cpu" for the CPU). */
  product: string;
  /** Devices to plan onto (CPU: one per core). */
  devices: number;
  /** Measures a session that has no profile for `product`. */
  measure(session: ModelSession): Promise<{ batchSize: number; latencyMicros: number }[]>;
}

export interface LocalPlan {
  plan: Plan;
  config: RuntimeConfig;
  /** Planned load, videos per second (after peakFactor), and what was changed to get a plan. */
  plannedVps: number;
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

export async function planLocally(input: LocalPlanInput): Promise<LocalPlan> {
  const notes: string[] = [];
  const sessions: ModelSession[] = [];
  for (const session of input.sessions) {
    const profiles = [...(session.spec.profiles ?? []), ...(session.status?.profiles ?? [])];
    if (profiles.some((p) => p.gpuProduct === input.product)) {
      sessions.push(session);
      continue;
    }
    const points = await input.measure(session);
    notes.push(
      `measured ${session.metadata.name} on ${input.product}: ${points.map((p) => `b${p.batchSize}=${p.latencyMicros}µs`).join(' ')}`,
    );
    const status = {
      ...session.status,
      profiles: [...(session.status?.profiles ?? []), { gpuProduct: input.product, points }],
    };
    sessions.push({ ...session, status });
  }
  const request = toPlanRequest(input.pipeline, sessions, [localNode(input.product, input.devices)]);
  let factor = 1;
  let outcome = planPipeline(request);
  // Too few local devices for the target load: plan for less (other reasons do not depend on load).
  for (let i = 0; !outcome.ok && outcome.reason === 'InsufficientGPUs' && i < maxHalvings; i++) {
    factor /= 2;
    outcome = planPipeline(withLoad(request, factor));
  }
  if (!outcome.ok && !outcome.plan) {
    throw new Error(
      `cannot plan ${input.pipeline.metadata.name} on this machine: ${outcome.reason}: ${outcome.message}`,
    );
  }
  const plan = outcome.ok ? outcome.plan : outcome.plan!;
  if (!outcome.ok) notes.push(`${outcome.reason}: ${outcome.message}; running with the best plan found`);
  if (factor < 1) notes.push(`load scaled by ${factor} to fit this machine`);
  const plannedVps = request.pipeline.videosPerSecond * factor * request.pipeline.peakFactor;
  const config = runtimeConfigFromPlan(input.pipeline, sessions, plan, { executionProvider: input.provider });
  return { plan, config, plannedVps, notes };
}
