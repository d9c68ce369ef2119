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

/** One part of an embedded run measured alone (embedded/parts-probe.ts). */
export interface PartCost {
  /** CPU time of the whole process (every thread) per video or item, ms. */
  cpuMs: number;
  /** The main thread's part of it (event-loop active time), ms. */
  mainMs: number;
}

export interface PartsProbe {
  ingest: PartCost;
  stages: Record<string, PartCost>;
  /** The executor and transport moving one video through the DAG, no decode, no model. */
  plumbing: PartCost;
}

export interface PartsPrediction extends CapacityPrediction {
  /** CPU per video, ms: ingest + every stage + plumbing, all on the same `cores`. */
  cpuMsPerVideo: number;
  /** Main-thread time per video, ms: the same parts' event-loop time, all on one core. */
  mainMsPerVideo: number;
  /** cores × 1000 / cpuMsPerVideo. */
  cpuBoundVps: number;
  /** 1000 / mainMsPerVideo. */
  mainThreadBoundVps: number;
}

/**
 * One process's capacity from its parts measured alone. Every part shares the machine's cores,
 * so together they run no faster than cores over their summed CPU per video; and every part's
 * JavaScript shares one main thread, so no faster than one core over their summed main-thread
 * time. `boundBy` says which (`cpu` or `main thread`); per stage, `stageCapacityVps` is what the
 * cores would allow were that stage the only work.
 */
export function predictFromParts(parts: PartsProbe, cores: number): PartsPrediction {
  const all = [parts.ingest, parts.plumbing, ...Object.values(parts.stages)];
  const cpuMsPerVideo = all.reduce((sum, p) => sum + p.cpuMs, 0);
  const mainMsPerVideo = all.reduce((sum, p) => sum + p.mainMs, 0);
  const rate = (ms: number, on: number) => (ms > 0 ? (on * 1000) / ms : Number.POSITIVE_INFINITY);
  const cpuBoundVps = rate(cpuMsPerVideo, cores);
  const mainThreadBoundVps = rate(mainMsPerVideo, 1);
  const capacityVps = Math.min(cpuBoundVps, mainThreadBoundVps);
  return {
    capacityVps: Number.isFinite(capacityVps) ? capacityVps : 0,
    ingestCapacityVps: rate(parts.ingest.cpuMs, cores),
    stageCapacityVps: Object.fromEntries(
      Object.entries(parts.stages).map(([name, s]) => [name, rate(s.cpuMs, cores)]),
    ),
    boundBy: cpuBoundVps <= mainThreadBoundVps ? 'cpu' : 'main thread',
    cpuMsPerVideo,
    mainMsPerVideo,
    cpuBoundVps,
    mainThreadBoundVps,
  };
}
