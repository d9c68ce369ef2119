// Saturated GPUs that host a light residual (DESIGN.md "The planner", step 5). A residual whose
// duty cycle is capped short — by its max batch at a high rate (800/s at batch ≤ 64 cannot wait
// longer than 80 ms), or by its budget — drags every GPU it joins down to that duty cycle
// (d = min), where heavy sessions run small, inefficient batches; so it can end up alone on a GPU
// at a few percent occupancy, whatever the SLO split. Nexus's packer never looks at the saturated
// GPUs, yet a heavy stage running back to back there is the natural host: at the light session's
// duty cycle d it still runs a large batch b with ℓ(b) + ℓ_light ≤ d, giving up only the rate
// TP(B) − b/d, which joins its residual. This tries, for each (saturated stage, residual) pair,
// one of the stage's saturated GPUs opened up this way, repacks all residuals, and keeps a change
// only when the total GPU count falls; it repeats while that helps and the count is above the
// fewest any plan can need.
import { roundsWithin, usableItems } from './headroom.ts';
import type { PlannedGpu, StageTask } from './saturate.ts';
import { alone, batchFor, squishyPack } from './squishy-pack.ts';

const MICROS_PER_SECOND = 1e6;
const BATCH_EPSILON = 1e-9;
/**
 * Bound on the search's work, in (residuals packed)²: each trial repacks every residual, so a
 * small pipeline tries every pair while thousands of shared sessions try only a few, lightest first.
 */
const HOST_SEARCH_WORK = 2e6;

/** `host`: the piece a stage keeps on a GPU it opened up (other pieces of it pack as one rest). */
export type Residual = { task: StageTask; rateVps: number; host?: boolean };

export interface HostedPacking {
  saturatedGpus: PlannedGpu[];
  packedGpus: PlannedGpu[];
  /** Residuals as packed: a hosting stage's appear as two pieces (host and rest). */
  residuals: Residual[];
  /** One line per saturated GPU opened up, for the explanation. */
  hosted: string[];
}

export type HostedResult = ({ ok: true } & HostedPacking) | { ok: false; message: string };

/**
 * Rate the stage of saturated GPU `host` can keep on it while sharing it with `light` at the
 * light residual's own duty cycle, or undefined when nothing fits.
 */
function hostRate(host: PlannedGpu, light: Residual, gpuMemoryMiB: number): number | undefined {
  const heavy = host.placements[0]!.task;
  const lone = alone(light.task, light.rateVps);
  if (!lone) return undefined;
  const d = lone.dutyMicros;
  const lp = light.task.profile;
  const lightBatch = batchFor(light.task, light.rateVps, d);
  if (lightBatch > lp.maxBatch) return undefined;
  const room = d - lp.latencyMicros[lightBatch]!;
  const memoryRoom = gpuMemoryMiB - lp.memoryMiB[lightBatch]!;
  const hp = heavy.profile;
  for (let b = hp.maxBatch; b >= 1; b--) {
    const l = hp.latencyMicros[b]!;
    if (l <= room && d + l <= heavy.budgetMs * 1000 && hp.memoryMiB[b]! <= memoryRoom) {
      const rounds = roundsWithin(heavy.budgetMs * 1000, l, d);
      return (usableItems(b, rounds, heavy.arrivals) * MICROS_PER_SECOND) / d;
    }
  }
  return undefined;
}

/** Opens saturated GPU `hostIndex` to keep `rate` of its stage: the GPUs and residuals after. */
function opened(
  saturated: PlannedGpu[],
  residuals: Residual[],
  hostIndex: number,
  rate: number,
): { saturated: PlannedGpu[]; residuals: Residual[] } {
  const { task, rateVps: given } = saturated[hostIndex]!.placements[0]!;
  // The rate the host gives up joins the stage's (non-host) residual; the host becomes a piece.
  let restVps = Math.max(0, given - rate);
  const next: Residual[] = [];
  for (const r of residuals) {
    if (r.task === task && !r.host) restVps += r.rateVps;
    else next.push(r);
  }
  next.push({ task, rateVps: rate, host: true });
  if (restVps > given * BATCH_EPSILON) next.push({ task, rateVps: restVps });
  return { saturated: saturated.filter((_, i) => i !== hostIndex), residuals: next };
}

/**
 * Packs `residuals` beside `saturatedGpus`; while the total exceeds `fewestPossible`, tries
 * opening a saturated GPU to host a residual (see above) and keeps the first change that needs
 * the fewest GPUs. Deterministic: candidates are tried in list order.
 */
export function packWithHosts(
  saturatedGpus: PlannedGpu[],
  residuals: Residual[],
  gpuMemoryMiB: number,
  fewestPossible: number,
): HostedResult {
  const first = squishyPack(residuals, gpuMemoryMiB);
  if (!first.ok) return first;
  let best: HostedPacking = { saturatedGpus, packedGpus: first.gpus, residuals, hosted: [] };
  const total = (p: HostedPacking) => p.saturatedGpus.length + p.packedGpus.length;
  let trials = Math.max(1, Math.floor(HOST_SEARCH_WORK / Math.max(1, residuals.length + 2) ** 2));
  for (;;) {
    if (total(best) <= fewestPossible) return { ok: true, ...best };
    let improved: HostedPacking | undefined;
    const seen = new Set<StageTask>();
    // Lightest residuals first (the ones that strand a GPU); ties keep list order.
    const occupancy = (r: Residual) => alone(r.task, r.rateVps)?.occupancy ?? Number.POSITIVE_INFINITY;
    const lights = best.residuals
      .map((r, i) => ({ r, i, o: occupancy(r) }))
      .sort((a, b) => a.o - b.o || a.i - b.i)
      .map((x) => x.r);
    for (const host of best.saturatedGpus) {
      const task = host.placements[0]!.task;
      if (seen.has(task)) continue;
      seen.add(task);
      // The last saturated GPU of each stage, so the remaining ones keep their order.
      const last = best.saturatedGpus.findLastIndex((g) => g.placements[0]!.task === task);
      for (const light of lights) {
        if (light.task === task) continue;
        const rate = hostRate(host, light, gpuMemoryMiB);
        if (rate === undefined) continue;
        if (trials-- <= 0) return { ok: true, ...(improved ?? best) };
        const next = opened(best.saturatedGpus, best.residuals, last, rate);
        const packed = squishyPack(next.residuals, gpuMemoryMiB);
        if (!packed.ok) continue;
        const gpus = next.saturated.length + packed.gpus.length;
        if (gpus < (improved ? total(improved) : total(best))) {
          const why = `one saturated GPU of ${task.stage} runs at ${rate.toFixed(2)}/s beside ${light.task.stage} at its ${(alone(light.task, light.rateVps)!.dutyMicros / 1000).toFixed(1)} ms duty cycle`;
          improved = {
            saturatedGpus: next.saturated,
            packedGpus: packed.gpus,
            residuals: next.residuals,
            hosted: [...best.hosted, why],
          };
        }
      }
    }
    if (!improved) return { ok: true, ...best };
    best = improved;
  }
}
