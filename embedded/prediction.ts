// What the local plan predicts for this machine, so that `vpo run` can be checked against it.
// Capacity: the pipeline runs no faster than its slowest part, and ingest is a part: decoding is
// often what bounds a CPU run, not inference. Latency: the measured decode time plus, along the
// longest path, each stage's worst case: 2ℓ(b) when saturated (a request that just missed a batch
// waits one batch, then runs in the next; DESIGN.md "The planner", step 3), or the batcher's
// wait for a batch to fill, maxQueueDelayMs, then ℓ(b). Pure.

import type { RuntimeConfig } from '../contract/runtime-config.ts';
import type { Plan } from '../operator/planner/types.ts';
import { fitLatency, predictLatencyMs } from '../runtime/batching/latency-fit.ts';

export interface CapacityPrediction {
  /** Predicted pipeline capacity, videos per second: min(ingest, every stage). */
  capacityVps: number;
  /** Decode concurrency over decode seconds per video; absent when ingest was not measured. */
  ingestCapacityVps?: number;
  stageCapacityVps: Record<string, number>;
  /** What bounds the capacity: `ingest`, or the slowest stage's name. */
  boundBy: string;
}

export function predictCapacity(plan: Plan, ingestCapacityVps?: number): CapacityPrediction {
  const stageCapacityVps = Object.fromEntries(plan.stages.map((s) => [s.name, s.capacityVps]));
  let boundBy = 'ingest';
  let capacityVps = ingestCapacityVps ?? Number.POSITIVE_INFINITY;
  for (const s of plan.stages) {
    if (s.capacityVps < capacityVps) {
      capacityVps = s.capacityVps;
      boundBy = s.name;
    }
  }
  return {
    capacityVps: Number.isFinite(capacityVps) ? capacityVps : 0,
    ...(ingestCapacityVps !== undefined ? { ingestCapacityVps } : {}),
    stageCapacityVps,
    boundBy,
  };
}

/** Ingest capacity: `concurrency` decodes at once, each taking `decodeMs`. */
export function ingestCapacityVps(concurrency: number, decodeMs: number): number {
  return decodeMs > 0 ? (concurrency * 1000) / decodeMs : 0;
}

/**
 * Decode time plus, on the longest path, per stage at its batch cap b: ℓ(b) plus the longer of
 * one batch (2ℓ(b), a saturated stage) and the wait for a batch to fill (maxQueueDelayMs), ms.
 */
export function predictLatencyMsOf(config: RuntimeConfig, decodeMs: number): number {
  const doneMs = new Map<string, number>();
  for (const stage of config.stages) {
    const fit = fitLatency(
      stage.profile.map((p) => ({ batchSize: p.batchSize, latencyMs: p.latencyMicros / 1000 })),
    );
    const startMs = Math.max(0, ...stage.inputs.map((i) => doneMs.get(i) ?? 0));
    const b = Math.max(1, stage.batchSize);
    const runMs = predictLatencyMs(fit, b);
    // A batch cap above 1 may also wait up to maxQueueDelayMs (default ℓ(b)) for its batch to fill.
    const fillMs = b > 1 ? (stage.maxQueueDelayMs ?? runMs) : 0;
    doneMs.set(stage.name, startMs + runMs + Math.max(runMs, fillMs));
  }
  return decodeMs + Math.max(0, ...doneMs.values());
}
