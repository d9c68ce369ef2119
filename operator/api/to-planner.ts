// Manifests -> the planner's data contract (operator/planner/types.ts), with the defaults of
// docs/conventions.md applied for objects that did not pass through the API server.

import type { ModelSession, VideoPipeline } from '../../contract/crd-types.generated.ts';
import { inventoryFromNodes } from '../planner/inventory.ts';
import type { GpuNode, PlannerSession, PlanRequest, SessionProfile } from '../planner/types.ts';
import { fanOutProblem, readsItems } from './fan-out-check.ts';
import { ingestCostOf } from './ingest-cost.ts';
import { stageInputSource } from './input-source.ts';
import { parseQuantity } from './quantity.ts';

const secondsPerDay = 86_400;

export const namespaceOf = (o: { metadata: { namespace?: string } }): string =>
  o.metadata.namespace ?? 'default';

/** A cross-object problem found before planning (the API server cannot see it). */
export interface InputProblem {
  reason: 'InputMismatch';
  message: string;
}

function quantity(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const q = parseQuantity(text);
  if (q === undefined) throw new Error(`not a quantity: ${JSON.stringify(text)}`);
  return q;
}

/** Source rate before peakFactor, in videos per second. */
export function targetVideosPerSecond(pipeline: VideoPipeline): number {
  const load = pipeline.spec.load;
  if (load.videosPerSecond !== undefined) return quantity(load.videosPerSecond, 0);
  return (load.videosPerDay ?? 0) / secondsPerDay;
}

/** Measured profiles (status) override given ones (spec) for the same product. */
function profilesOf(session: ModelSession): SessionProfile[] {
  const byProduct = new Map<string, SessionProfile>();
  for (const p of [...(session.spec.profiles ?? []), ...(session.status?.profiles ?? [])]) {
    byProduct.set(p.gpuProduct, {
      gpuProduct: p.gpuProduct,
      points: p.points.map((pt) => ({
        batchSize: pt.batchSize,
        latencyMicros: pt.latencyMicros,
        ...(pt.memoryMiB !== undefined ? { memoryMiB: pt.memoryMiB } : {}),
      })),
    });
  }
  return [...byProduct.values()];
}

export function toPlannerSession(session: ModelSession): PlannerSession {
  const gpuMemoryMiB = session.spec.resources?.gpuMemoryMiB;
  return {
    name: session.metadata.name,
    maxBatchSize: session.spec.batching.maxBatchSize,
    ...(gpuMemoryMiB !== undefined ? { gpuMemoryMiB } : {}),
    profiles: profilesOf(session),
  };
}

/**
 * Checks between a pipeline and its sessions that no CEL rule can make: each stage's input
 * source (set, or inferred from the wiring: input-source.ts) fits its inputs, a frame model
 * wants no more input.frames than sampling.frames; fan-outs and gathers (fan-out-check.ts).
 */
export function crossObjectProblem(
  pipeline: VideoPipeline,
  sessions: ModelSession[],
): InputProblem | undefined {
  const ns = namespaceOf(pipeline);
  const sessionOf = (stage: { sessionRef?: { name: string } }) =>
    sessions.find((s) => s.metadata.name === stage.sessionRef?.name && namespaceOf(s) === ns);
  const fanOut = fanOutProblem(pipeline, sessionOf);
  if (fanOut) return { reason: 'InputMismatch', message: fanOut };
  for (const stage of pipeline.spec.stages) {
    const session = sessionOf(stage);
    if (!session) continue; // a gather, or the planner reports MissingSession
    const source = stageInputSource(stage, session, readsItems(pipeline, stage, sessionOf));
    if (!source.ok) return { reason: 'InputMismatch', message: source.message };
    const frames = session.spec.input.frames;
    if (source.source === 'frames' && (frames ?? 0) > pipeline.spec.sampling.frames) {
      return {
        reason: 'InputMismatch',
        message: `stage ${stage.name}: ModelSession ${session.metadata.name} wants input.frames ${frames}, more than the pipeline's sampling.frames ${pipeline.spec.sampling.frames}`,
      };
    }
  }
  return undefined;
}

export function toPlanRequest(
  pipeline: VideoPipeline,
  sessions: ModelSession[],
  nodes: GpuNode[],
  usedGpus: Record<string, number> = {},
): PlanRequest {
  const spec = pipeline.spec;
  const ns = namespaceOf(pipeline);
  const ingest = ingestCostOf(pipeline);
  return {
    pipeline: {
      namespace: ns,
      name: pipeline.metadata.name,
      videosPerSecond: targetVideosPerSecond(pipeline),
      peakFactor: quantity(spec.load.peakFactor, 1),
      sloMs: spec.latencySLO.p99Ms,
      ingestAllowanceMs: ingest.latencyShareMs,
      ingestCost: {
        cpuMillisPerVideo: ingest.cpuMillisPerVideo,
        costBasis: ingest.costBasis,
        shareBasis: ingest.shareBasis,
      },
      ...(spec.source?.downloadConcurrency !== undefined
        ? { ingestConcurrency: spec.source.downloadConcurrency }
        : {}),
      hopAllowanceMs: spec.latencySLO.hopAllowanceMs ?? 50,
      // Gathers run no model: nothing to plan (no stage reads them: CEL).
      stages: spec.stages
        .flatMap((s) => (s.sessionRef ? [{ ...s, sessionRef: s.sessionRef }] : []))
        .map((s) => ({
          name: s.name,
          session: s.sessionRef.name,
          inputs: s.inputs ?? ['source'],
          fanOut: quantity(s.fanOut, 1),
        })),
      ...(spec.placement?.dedicatedGpus ? { dedicatedGpus: true } : {}),
      nodeSelector: { ...(spec.placement?.nodeSelector ?? {}) },
      gpuProducts: [...(spec.placement?.gpuProducts ?? [])],
    },
    sessions: sessions.filter((s) => namespaceOf(s) === ns).map(toPlannerSession),
    nodes,
    usedGpus: { ...usedGpus },
  };
}

export { inventoryFromNodes };
